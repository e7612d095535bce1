"""Mistake: loops over every pair of rows in Python.
間違い: 行のペアごとに Python のループを回しています。
Caught by: vectorised."""

import torch


def mnist_distance(a, b):
    """Mean absolute difference over the last two dims; leading dims broadcast."""
    return (a - b).abs().mean((-1, -2))


def pairwise_distances(x, y):
    """Euclidean distances between the rows of x [N, D] and y [M, D], as [N, M]."""
    out = torch.zeros(x.shape[0], y.shape[0], dtype=x.dtype)
    for i in range(x.shape[0]):
        for j in range(y.shape[0]):
            out[i, j] = ((x[i] - y[j]) ** 2).sum().sqrt()
    return out
