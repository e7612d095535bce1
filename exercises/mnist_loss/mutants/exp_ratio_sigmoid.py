"""Mistake: a sigmoid written as exp(x) / (1 + exp(x)), which overflows to inf / inf = nan for large logits.
間違い: シグモイドを exp(x) / (1 + exp(x)) と書いているため、大きなロジットで inf / inf = nan になります。
Caught by: saturated."""

import torch


def mnist_loss(predictions, targets):
    """Sigmoid, then 1 - p for the 3s and p for the 7s, averaged over the batch."""
    e = torch.exp(predictions)
    predictions = e / (1 + e)
    return torch.where(targets == 1, 1 - predictions, predictions).mean()
