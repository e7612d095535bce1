"""Correct: torch.square of the difference."""

import torch


def sq_loss(y_true, y_prediction):
    return torch.square(torch.sub(y_true, y_prediction))
