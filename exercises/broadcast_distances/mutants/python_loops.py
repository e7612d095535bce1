"""Mistake: computes every distance in plain Python loops over the numbers.
間違い: すべての距離を、数値に対する素の Python のループで計算しています。
Caught by: vectorised."""

import math

import torch


def mnist_distance(a, b):
    """Mean absolute difference over the last two dims; leading dims broadcast."""
    return (a - b).abs().mean((-1, -2))


def pairwise_distances(x, y):
    """Euclidean distances between the rows of x [N, D] and y [M, D], as [N, M]."""
    xs, ys = x.tolist(), y.tolist()
    out = [[math.sqrt(sum((p - q) ** 2 for p, q in zip(u, v))) for v in ys] for u in xs]
    return torch.tensor(out, dtype=x.dtype)
