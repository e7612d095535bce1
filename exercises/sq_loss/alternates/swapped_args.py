"""Correct: the arguments subtracted the other way round; the square is symmetric."""

import torch


def sq_loss(y_true, y_prediction):
    return (y_prediction - y_true) ** 2
