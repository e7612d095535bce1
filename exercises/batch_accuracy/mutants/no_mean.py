"""Mistake: returns the per-image 0/1 correctness, not its mean.
間違い: 画像ごとの正解（0/1）をそのまま返していて、その平均を取っていません。
Caught by: scalar."""

import torch


def batch_accuracy(xb, yb):
    """Fraction of the batch with sigmoid(xb) > 0.5 equal to the label, as a 0-d tensor."""
    preds = xb.sigmoid()
    correct = (preds > 0.5) == yb
    return correct.float()
