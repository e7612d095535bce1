"""Mistake: expands (a − b)² into a² − 2ab + b², which cancels badly when a and b are large and close.
間違い: (a − b)² を a² − 2ab + b² に展開しているため、大きく近い値では桁落ちします。
Caught by: accurate_near."""

import torch


def sq_loss(y_true, y_prediction):
    """Elementwise squared error, no reduction."""
    return y_true ** 2 - 2 * y_true * y_prediction + y_prediction ** 2
