"""Correct: F.mse_loss without reduction, after promoting both sides to a common dtype."""

import torch
import torch.nn.functional as F


def sq_loss(y_true, y_prediction):
    dtype = torch.promote_types(y_true.dtype, y_prediction.dtype)
    a, b = torch.broadcast_tensors(y_true.to(dtype), y_prediction.to(dtype))
    return F.mse_loss(b, a, reduction="none")
