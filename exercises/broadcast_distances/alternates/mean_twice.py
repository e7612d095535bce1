"""Correct: a mean of row means over rows of equal length is the overall mean; Tensor.norm over
the last dim of the broadcast differences is the Euclidean distance."""

import torch


def mnist_distance(a, b):
    return (a - b).abs().mean(-1).mean(-1)


def pairwise_distances(x, y):
    return (x[:, None, :] - y).norm(dim=-1)
