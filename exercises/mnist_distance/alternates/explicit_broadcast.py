"""Correct: broadcast_tensors makes the copies explicit; the distance is the same."""

import torch


def mnist_distance(a, b):
    a, b = torch.broadcast_tensors(a, b)
    return torch.mean(torch.abs(a - b), dim=[-2, -1])
