"""Mistake: detaches the result from the autograd graph. Caught by: grad."""

import torch


def sq_loss(y_true, y_prediction):
    """Elementwise squared error, no reduction."""
    loss = ((y_true - y_prediction) ** 2).detach()
    return loss
