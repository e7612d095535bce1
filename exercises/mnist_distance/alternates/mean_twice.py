"""Correct: the mean of the row means of equal-length rows is the mean over both pixel dims."""

import torch


def mnist_distance(a, b):
    return (a - b).abs().mean(-1).mean(-1)
