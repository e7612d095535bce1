"""Mistake: predicts a 3 when the sigmoid is below 0.5.
間違い: シグモイドの値が 0.5 より小さいときに 3 と予測しています（判定が逆です）。
Caught by: values."""

import torch


def batch_accuracy(xb, yb):
    """Fraction of the batch with sigmoid(xb) > 0.5 equal to the label, as a 0-d tensor."""
    preds = xb.sigmoid()
    correct = (preds < 0.5) == yb
    return correct.float().mean()
