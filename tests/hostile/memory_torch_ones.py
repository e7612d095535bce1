"""torch.ones(2**33): 32 GB, actually written."""

import torch


def sq_loss(y_true, y_prediction):
    ones = torch.ones(2**33)
    return (y_true - y_prediction) ** 2 * ones[0]
