"""Exercise batch_accuracy: the accuracy of one batch (fastbook ch. 4, "Putting It All Together").

Fill in the body of `batch_accuracy`, then run `grader check batch_accuracy`.
"""

import torch


def batch_accuracy(xb, yb):
    """The fraction of the batch that the model classifies correctly.

    `xb` holds the model's raw outputs (logits). An image counts as a 3 (label 1) when the
    sigmoid of its output is greater than 0.5, as a 7 (label 0) otherwise. Compare those
    predictions with the labels and average the correct ones as floats.

    Args:
      xb: torch.Tensor of logits, shape (N, 1) as `linear1(xb)` returns, or (N,).
      yb: torch.Tensor of 0/1 labels with the same shape as `xb` (int64 like `train_y`, or float).

    Returns:
      A 0-d float tensor between 0 and 1 (not a Python float: `validate_epoch` stacks
      the batch accuracies with `torch.stack`).

    Example:
      >>> batch_accuracy(torch.tensor([[-2.0], [0.3], [0.45]]), torch.tensor([[0], [1], [0]]))
      tensor(0.6667)
    """
    raise NotImplementedError("Metric `batch_accuracy`")
