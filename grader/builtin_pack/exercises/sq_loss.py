"""Exercise sq_loss: the squared error (Neuromatch W1D2, Coding Exercise 2.1).

Fill in the body of `sq_loss`, then run `grader check sq_loss`.
"""

import torch


def sq_loss(y_true, y_prediction):
    """Elementwise squared error (L2 loss without reduction).

    Args:
      y_true: torch.Tensor of targets, e.g. tensor([7]).
      y_prediction: torch.Tensor of predictions, e.g. tensor([0.]).

    Returns:
      torch.Tensor with one squared error per element, shaped like `y_true` and
      `y_prediction` broadcast together. Do not reduce it (no .mean() or .sum()) and
      keep it connected to the autograd graph, so that `loss.backward()` works.

    Example:
      >>> sq_loss(torch.tensor([7]), torch.tensor([0.]))
      tensor([49.])
    """
    raise NotImplementedError("Loss function `sq_loss`")
