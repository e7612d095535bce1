"""Mistake: loops over the rows of x in Python, one broadcast per row.
間違い: x の行ごとに Python のループを回し、1 行ずつブロードキャストしています。
Caught by: vectorised."""

import torch


def mnist_distance(a, b):
    """Mean absolute difference over the last two dims; leading dims broadcast."""
    return (a - b).abs().mean((-1, -2))


def pairwise_distances(x, y):
    """Euclidean distances between the rows of x [N, D] and y [M, D], as [N, M]."""
    rows = [((row - y) ** 2).sum(-1).sqrt() for row in x]
    return torch.stack(rows)
