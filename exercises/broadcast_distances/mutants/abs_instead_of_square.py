"""Mistake: sums absolute differences (L1 / Manhattan distance) instead of squares.
間違い: 差の二乗ではなく絶対値を合計していて、L1（マンハッタン）距離になっています。
Caught by: pairwise_values."""

import torch


def mnist_distance(a, b):
    """Mean absolute difference over the last two dims; leading dims broadcast."""
    return (a - b).abs().mean((-1, -2))


def pairwise_distances(x, y):
    """Euclidean distances between the rows of x [N, D] and y [M, D], as [N, M]."""
    diff = x[:, None, :] - y[None, :, :]
    return diff.abs().sum(-1)
