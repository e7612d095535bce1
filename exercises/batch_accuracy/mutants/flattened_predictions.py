"""Mistake: flattens the (N, 1) predictions to (N,), so == broadcasts them against the (N, 1) labels into (N, N).
間違い: (N, 1) の予測を (N,) に平らにしたため、== が (N, 1) のラベルとブロードキャストして (N, N) になっています。
Caught by: values."""

import torch


def batch_accuracy(xb, yb):
    """Fraction of the batch with sigmoid(xb) > 0.5 equal to the label, as a 0-d tensor."""
    preds = xb.sigmoid().view(-1)
    correct = (preds > 0.5) == yb
    return correct.float().mean()
