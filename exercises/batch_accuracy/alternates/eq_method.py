"""Correct: Tensor.eq is ==, and torch.mean of the float matches is the accuracy."""

import torch


def batch_accuracy(xb, yb):
    predicted_three = xb.sigmoid().gt(0.5)
    return torch.mean(predicted_three.eq(yb).float())
