"""Exercise mnist_loss: the loss of the 3-vs-7 classifier (fastbook ch. 4, "The MNIST Loss Function").

Fill in the body of `mnist_loss`, then run `grader check mnist_loss`.
"""

import torch


def mnist_loss(predictions, targets):
    """How far the predictions are from the targets, as one number to minimise.

    `predictions` are the model's raw outputs (logits, any real number). Squash them into
    (0, 1) with the sigmoid first; then, for an image whose target is 1 (a 3) the loss is
    1 - prediction, for an image whose target is 0 (a 7) it is the prediction itself
    (`torch.where` picks one or the other per element). Return the mean over the batch.

    Args:
      predictions: torch.Tensor of logits, shape (N, 1) as `linear1(xb)` returns, or (N,).
      targets: torch.Tensor of 0s and 1s with the same shape as `predictions`
        (int64 like `train_y`, or float).

    Returns:
      A 0-d torch.Tensor (one number), still connected to the autograd graph so that
      `loss.backward()` works. Do not change `predictions` in place.

    Example:
      >>> mnist_loss(torch.tensor([0.9, 0.4, 0.2]), torch.tensor([1, 0, 1]))
      tensor(0.4460)
    """
    raise NotImplementedError("Loss function `mnist_loss`")
