"""Correct: torch.vmap maps the per-row computation over the rows without a Python loop (it runs
the function once, on batched tensors); the mnist distance through an explicit broadcast."""

import torch


def mnist_distance(a, b):
    diff = (a - b).abs()
    return diff.mean(dim=(diff.dim() - 2, diff.dim() - 1))


def pairwise_distances(x, y):
    def one_row(row):
        return ((row - y) ** 2).sum(-1).sqrt()
    return torch.vmap(one_row)(x)
