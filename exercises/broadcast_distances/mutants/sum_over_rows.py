"""Mistake: reduces over the rows of y instead of the features, giving (N, D).
間違い: 特徴ではなく y の行の方向で足し合わせていて、形状が (N, D) になっています。
Caught by: pairwise_shape."""

import torch


def mnist_distance(a, b):
    """Mean absolute difference over the last two dims; leading dims broadcast."""
    return (a - b).abs().mean((-1, -2))


def pairwise_distances(x, y):
    """Euclidean distances between the rows of x [N, D] and y [M, D], as [N, M]."""
    diff = x[:, None, :] - y[None, :, :]
    return (diff ** 2).sum(1).sqrt()
