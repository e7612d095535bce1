"""Mistake: sigmoid_() overwrites the caller's predictions with probabilities (and cannot run on a leaf that requires grad). Caught by: grad, inputs_unchanged."""

import torch


def mnist_loss(predictions, targets):
    """Sigmoid, then 1 - p for the 3s and p for the 7s, averaged over the batch."""
    predictions = predictions.sigmoid_()
    return torch.where(targets == 1, 1 - predictions, predictions).mean()
