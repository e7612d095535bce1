"""Mistake: averages the squared differences over the features instead of summing them.
間違い: 特徴の方向で差の二乗を合計せずに平均しています。
Caught by: pairwise_values."""

import torch


def mnist_distance(a, b):
    """Mean absolute difference over the last two dims; leading dims broadcast."""
    return (a - b).abs().mean((-1, -2))


def pairwise_distances(x, y):
    """Euclidean distances between the rows of x [N, D] and y [M, D], as [N, M]."""
    diff = x[:, None, :] - y[None, :, :]
    return (diff ** 2).mean(-1).sqrt()
