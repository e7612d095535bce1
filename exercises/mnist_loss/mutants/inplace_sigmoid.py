"""Mistake: sigmoid_() overwrites the caller's predictions with probabilities (and cannot run on a leaf that requires grad).
間違い: sigmoid_() が呼び出し側の予測を確率で上書きしています（勾配を必要とする葉テンソルでは実行もできません）。
Caught by: grad, inputs_unchanged."""

import torch


def mnist_loss(predictions, targets):
    """Sigmoid, then 1 - p for the 3s and p for the 7s, averaged over the batch."""
    predictions = predictions.sigmoid_()
    return torch.where(targets == 1, 1 - predictions, predictions).mean()
