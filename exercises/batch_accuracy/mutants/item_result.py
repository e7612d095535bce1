"""Mistake: returns a Python float with .item(), which torch.stack in validate_epoch cannot stack.
間違い: .item() で Python の float を返しているため、validate_epoch の torch.stack で積み重ねられません。
Caught by: scalar."""

import torch


def batch_accuracy(xb, yb):
    """Fraction of the batch with sigmoid(xb) > 0.5 equal to the label, as a 0-d tensor."""
    preds = xb.sigmoid()
    correct = (preds > 0.5) == yb
    return correct.float().mean().item()
