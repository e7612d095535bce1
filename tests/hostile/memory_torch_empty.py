"""Asks torch for 4 TB."""

import torch


def sq_loss(y_true, y_prediction):
    waste = torch.empty(10**12)
    return (y_true - y_prediction) ** 2 + waste[:1]
