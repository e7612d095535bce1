"""Mistake: the chapter's first version, without the sigmoid: logits are not in (0, 1).
間違い: 章の最初の版のままシグモイドがないため、ロジットが (0, 1) に収まっていません。
Caught by: values."""

import torch


def mnist_loss(predictions, targets):
    """Sigmoid, then 1 - p for the 3s and p for the 7s, averaged over the batch."""
    return torch.where(targets == 1, 1 - predictions, predictions).mean()
