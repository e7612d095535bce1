"""Mistake: the two branches of torch.where swapped, rewarding wrong answers. Caught by: values."""

import torch


def mnist_loss(predictions, targets):
    """Sigmoid, then 1 - p for the 3s and p for the 7s, averaged over the batch."""
    predictions = predictions.sigmoid()
    return torch.where(targets == 1, predictions, 1 - predictions).mean()
