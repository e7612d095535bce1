"""Mistake: returns a Python float with .item().
間違い: .item() で Python の float を返しています。
Caught by: shape."""

import torch


def sq_loss(y_true, y_prediction):
    """Elementwise squared error, no reduction."""
    loss = ((y_true - y_prediction) ** 2).sum().item()
    return loss
