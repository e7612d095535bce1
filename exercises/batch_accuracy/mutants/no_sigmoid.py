"""Mistake: thresholds the raw logits at 0.5, forgetting the sigmoid (logits in (0, 0.5] become 7s).
間違い: シグモイドを忘れて生のロジットを 0.5 で判定しています（(0, 0.5] のロジットが 7 になります）。
Caught by: values."""

import torch


def batch_accuracy(xb, yb):
    """Fraction of the batch with sigmoid(xb) > 0.5 equal to the label, as a 0-d tensor."""
    preds = xb
    correct = (preds > 0.5) == yb
    return correct.float().mean()
