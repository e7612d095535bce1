"""Correct: sigmoid(x) > 0.5 exactly when x > 0, so the sigmoid can be skipped."""

import torch


def batch_accuracy(xb, yb):
    return ((xb > 0) == yb).float().mean()
