"""Mistake: keepdim=True leaves an extra dimension of size 1, giving (N, M, 1).
間違い: keepdim=True で大きさ 1 の次元が余分に残り、形状が (N, M, 1) になっています。
Caught by: pairwise_shape."""

import torch


def mnist_distance(a, b):
    """Mean absolute difference over the last two dims; leading dims broadcast."""
    return (a - b).abs().mean((-1, -2))


def pairwise_distances(x, y):
    """Euclidean distances between the rows of x [N, D] and y [M, D], as [N, M]."""
    diff = x[:, None, :] - y[None, :, :]
    return (diff ** 2).sum(-1, keepdim=True).sqrt()
