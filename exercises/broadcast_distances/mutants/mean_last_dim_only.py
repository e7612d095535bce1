"""Mistake: .mean(-1) averages one pixel axis only, giving (N, 28).
間違い: .mean(-1) では画素の軸の片方しか平均されず、形状が (N, 28) になっています。
Caught by: mnist_shape."""

import torch


def mnist_distance(a, b):
    """Mean absolute difference over the last two dims; leading dims broadcast."""
    return (a - b).abs().mean(-1)


def pairwise_distances(x, y):
    """Euclidean distances between the rows of x [N, D] and y [M, D], as [N, M]."""
    diff = x[:, None, :] - y[None, :, :]
    return (diff ** 2).sum(-1).sqrt()
