"""Mistake: the new axes are the wrong way round, giving (M, N) distances.
間違い: 新しく追加した軸の位置が逆で、(M, N) の距離になっています。
Caught by: pairwise_shape."""

import torch


def mnist_distance(a, b):
    """Mean absolute difference over the last two dims; leading dims broadcast."""
    return (a - b).abs().mean((-1, -2))


def pairwise_distances(x, y):
    """Euclidean distances between the rows of x [N, D] and y [M, D], as [N, M]."""
    diff = x[None, :, :] - y[:, None, :]
    return (diff ** 2).sum(-1).sqrt()
