"""Mistake: the sigmoid applied twice.
間違い: シグモイドを 2 回適用しています。
Caught by: values."""

import torch


def mnist_loss(predictions, targets):
    """Sigmoid, then 1 - p for the 3s and p for the 7s, averaged over the batch."""
    predictions = predictions.sigmoid().sigmoid()
    return torch.where(targets == 1, 1 - predictions, predictions).mean()
