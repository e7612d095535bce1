"""Mistake: sigmoid_() overwrites the caller's logits with probabilities.
間違い: sigmoid_() が呼び出し側のロジットを確率で上書きしています。
Caught by: inputs_unchanged."""

import torch


def batch_accuracy(xb, yb):
    """Fraction of the batch with sigmoid(xb) > 0.5 equal to the label, as a 0-d tensor."""
    preds = xb.sigmoid_()
    correct = (preds > 0.5) == yb
    return correct.float().mean()
