"""Mistake: the two branches of torch.where swapped, rewarding wrong answers.
間違い: torch.where の 2 つの分岐が入れ替わっていて、間違った答えほど損失が小さくなっています。
Caught by: values."""

import torch


def mnist_loss(predictions, targets):
    """Sigmoid, then 1 - p for the 3s and p for the 7s, averaged over the batch."""
    predictions = predictions.sigmoid()
    return torch.where(targets == 1, predictions, 1 - predictions).mean()
