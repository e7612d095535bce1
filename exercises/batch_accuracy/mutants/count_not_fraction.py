"""Mistake: counts the correct predictions (.sum()) instead of averaging them.
間違い: 正しい予測の数を .sum() で数えていて、平均（割合）になっていません。
Caught by: values."""

import torch


def batch_accuracy(xb, yb):
    """Fraction of the batch with sigmoid(xb) > 0.5 equal to the label, as a 0-d tensor."""
    preds = xb.sigmoid()
    correct = (preds > 0.5) == yb
    return correct.float().sum()
