"""Mistake: flattens the (N, 1) predictions to (N,), so torch.where broadcasts them against the (N, 1) targets into (N, N).
間違い: (N, 1) の予測を (N,) に平らにしたため、torch.where が (N, 1) のターゲットとブロードキャストして (N, N) になっています。
Caught by: values."""

import torch


def mnist_loss(predictions, targets):
    """Sigmoid, then 1 - p for the 3s and p for the 7s, averaged over the batch."""
    predictions = predictions.sigmoid().view(-1)
    return torch.where(targets == 1, 1 - predictions, predictions).mean()
