"""Mistake: reduces with .sum(), giving one number.
間違い: .sum() で合計して、1 つの値にしてしまっています。
Caught by: shape."""

import torch


def sq_loss(y_true, y_prediction):
    """Elementwise squared error, no reduction."""
    loss = ((y_true - y_prediction) ** 2).sum()
    return loss
