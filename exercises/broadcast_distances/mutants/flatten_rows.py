"""Mistake: .view(-1, 28 * 28) merges the batch dims, so one image gives shape (1,) and (B, N) gives (B * N,).
間違い: .view(-1, 28 * 28) がバッチの次元をまとめてしまうため、画像 1 枚では形状 (1,) に、(B, N) では (B * N,) になっています。
Caught by: mnist_shape."""

import torch


def mnist_distance(a, b):
    """Mean absolute difference over the last two dims; leading dims broadcast."""
    return (a - b).abs().view(-1, 28 * 28).mean(1)


def pairwise_distances(x, y):
    """Euclidean distances between the rows of x [N, D] and y [M, D], as [N, M]."""
    diff = x[:, None, :] - y[None, :, :]
    return (diff ** 2).sum(-1).sqrt()
