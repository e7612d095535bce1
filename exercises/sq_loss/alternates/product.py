"""Correct: the difference multiplied by itself, with an intermediate name."""

import torch


def sq_loss(y_true, y_prediction):
    diff = y_true - y_prediction
    loss = diff * diff
    return loss
