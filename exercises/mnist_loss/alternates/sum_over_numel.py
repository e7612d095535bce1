"""Correct: the sum divided by the number of elements is the mean; the 7s' test written as targets == 0."""

import torch


def mnist_loss(predictions, targets):
    probabilities = predictions.sigmoid()
    losses = torch.where(targets == 0, probabilities, 1 - probabilities)
    return losses.sum() / losses.numel()
