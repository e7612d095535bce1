"""Correct: the sum of |a - b| over the 28 × 28 pixels divided by their number is their mean."""

import torch


def mnist_distance(a, b):
    return (a - b).abs().sum(dim=(-2, -1)) / (28 * 28)
