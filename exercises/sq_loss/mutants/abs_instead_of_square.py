"""Mistake: the absolute difference (L1) instead of its square. Caught by: values."""

import torch


def sq_loss(y_true, y_prediction):
    """Elementwise squared error, no reduction."""
    loss = torch.abs(y_true - y_prediction)
    return loss
