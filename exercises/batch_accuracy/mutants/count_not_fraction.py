"""Mistake: counts the correct predictions (.sum()) instead of averaging them. Caught by: values."""

import torch


def batch_accuracy(xb, yb):
    """Fraction of the batch with sigmoid(xb) > 0.5 equal to the label, as a 0-d tensor."""
    preds = xb.sigmoid()
    correct = (preds > 0.5) == yb
    return correct.float().sum()
