"""Mistake: .mean() over everything gives one number for a whole batch.
間違い: 引数なしの .mean() で全体を平均しているため、バッチ全体で 1 つの値になっています。
Caught by: mnist_shape."""

import torch


def mnist_distance(a, b):
    """Mean absolute difference over the last two dims; leading dims broadcast."""
    return (a - b).abs().mean()


def pairwise_distances(x, y):
    """Euclidean distances between the rows of x [N, D] and y [M, D], as [N, M]."""
    diff = x[:, None, :] - y[None, :, :]
    return (diff ** 2).sum(-1).sqrt()
