"""Mistake: the absolute difference (L1) instead of its square.
間違い: 差の二乗ではなく絶対値（L1）を取っています。
Caught by: values."""

import torch


def sq_loss(y_true, y_prediction):
    """Elementwise squared error, no reduction."""
    loss = torch.abs(y_true - y_prediction)
    return loss
