"""Mistake: the sigmoid applied after torch.where, to 1 - logit and logit.
間違い: シグモイドを torch.where の後で、1 - ロジット とロジットに適用しています。
Caught by: values."""

import torch


def mnist_loss(predictions, targets):
    """Sigmoid, then 1 - p for the 3s and p for the 7s, averaged over the batch."""
    return torch.where(targets == 1, 1 - predictions, predictions).sigmoid().mean()
