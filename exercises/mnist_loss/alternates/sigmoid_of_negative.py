"""Correct: 1 - sigmoid(x) is sigmoid(-x), so the 3s' term can be computed without the subtraction."""

import torch


def mnist_loss(predictions, targets):
    return torch.where(targets.bool(), torch.sigmoid(-predictions), torch.sigmoid(predictions)).mean()
