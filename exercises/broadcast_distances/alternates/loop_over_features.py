"""Correct: a Python loop over the D features (a fixed, small count), each step a broadcast over all
N × M pairs at once: vectorised over the rows, which is what the exercise asks."""

import torch


def mnist_distance(a, b):
    return (a - b).abs().mean((-1, -2))


def pairwise_distances(x, y):
    total = torch.zeros(x.shape[0], y.shape[0], dtype=x.dtype, device=x.device)
    for d in range(x.shape[1]):
        total = total + (x[:, None, d] - y[None, :, d]) ** 2
    return total.sqrt()
