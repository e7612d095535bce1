"""Correct: for 0/1 targets, t * (1 - p) + (1 - t) * p picks the same term as torch.where."""

import torch


def mnist_loss(predictions, targets):
    p = torch.sigmoid(predictions)
    return (targets * (1 - p) + (1 - targets) * p).mean()
