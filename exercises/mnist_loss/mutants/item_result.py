"""Mistake: returns loss.item(), a Python float with no graph to backpropagate.
間違い: loss.item() を返していて、誤差逆伝播に使えるグラフを持たない Python の float になっています。
Caught by: scalar."""

import torch


def mnist_loss(predictions, targets):
    """Sigmoid, then 1 - p for the 3s and p for the 7s, averaged over the batch."""
    predictions = predictions.sigmoid()
    return torch.where(targets == 1, 1 - predictions, predictions).mean().item()
