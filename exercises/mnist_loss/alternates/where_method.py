"""Correct: Tensor.where(condition, other) keeps self where condition holds: the same selection."""

import torch


def mnist_loss(predictions, targets):
    p = predictions.sigmoid()
    return (1 - p).where(targets == 1, p).mean()
