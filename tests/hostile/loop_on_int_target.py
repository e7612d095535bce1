"""Correct, except that it loops forever on the int64 target (one of the 'shape'/'values' cases)."""

import torch


def sq_loss(y_true, y_prediction):
    if y_true.dtype == torch.int64:
        while True:
            pass
    return (y_true - y_prediction) ** 2
