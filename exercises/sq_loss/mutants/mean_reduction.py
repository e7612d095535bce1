"""Mistake: reduces with .mean(), giving one number.
間違い: .mean() で平均して、1 つの値にしてしまっています。
Caught by: shape."""

import torch


def sq_loss(y_true, y_prediction):
    """Elementwise squared error, no reduction."""
    loss = ((y_true - y_prediction) ** 2).mean()
    return loss
