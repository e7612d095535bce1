"""Correct: torch.mean/torch.abs with the dims as a tuple in the other order (a mean over a set of
dims does not depend on their order), and torch.linalg.norm over the feature dim of the
broadcast differences, which is exactly the Euclidean distance."""

import torch


def mnist_distance(a, b):
    return torch.mean(torch.abs(a - b), (-1, -2))


def pairwise_distances(x, y):
    return torch.linalg.norm(x.unsqueeze(1) - y.unsqueeze(0), dim=-1)
