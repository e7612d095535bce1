"""Correct: F.pairwise_distance broadcasts (N, 1, D) against (1, M, D) and takes the 2-norm over
the last dim (its default eps of 1e-6 moves a distance by about 1e-6, far inside the tolerance);
the mnist distance through F.l1_loss's elementwise form, with the arguments in the other order."""

import torch
import torch.nn.functional as F


def mnist_distance(a, b):
    b, a = torch.broadcast_tensors(b, a)
    return F.l1_loss(b, a, reduction="none").mean(dim=(-2, -1))


def pairwise_distances(x, y):
    return F.pairwise_distance(x.unsqueeze(1), y.unsqueeze(0))
