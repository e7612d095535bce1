"""Exercise cnn_dropout: the CNN for 28×28 digits with Dropout (ディープラーニング工作室 ch10, Net2).

Fill in `MnistCNNDropout.__init__` and `MnistCNNDropout.forward`, then run `grader check cnn_dropout`.

The network of the exercise cnn_classifier, with a dropout layer between fc1 and fc2, for a batch of
N greyscale 28×28 images:

    x          [N, 1, 28, 28]
    conv1      [N, 6, 24, 24]    nn.Conv2d(1, 6, 5)
    ReLU
    pool       [N, 6, 12, 12]    nn.MaxPool2d(2)
    conv2      [N, 16, 8, 8]     nn.Conv2d(6, 16, 5)
    ReLU                         (the book's code leaves this one out; this exercise asks for it)
    pool       [N, 16, 4, 4]
    flatten    [N, 256]          16 * 4 * 4 features per image
    fc1        [N, 64]           nn.Linear(256, 64)
    ReLU
    dropout    [N, 64]           nn.Dropout(): p = 0.5, the probability to drop (set to 0) a unit
    fc2        [N, 10]           nn.Linear(64, 10): one score (logit) per digit 0..9

In train() mode the dropout layer sets each of the 64 values to 0 with probability p = 0.5 and
multiplies the others by 1 / (1 - p) = 2; in eval() mode it passes them on unchanged, so that the
network gives the same answer every time. Dropout has no parameters: there are 19,670 in all, in the
attributes `conv1`, `conv2`, `fc1` and `fc2` (state_dict keys `conv1.weight`, `conv1.bias`, ...).
"""

import torch
import torch.nn.functional as F
from torch import nn


class MnistCNNDropout(nn.Module):
    """conv1 → ReLU → pool → conv2 → ReLU → pool → flatten → fc1 → ReLU → dropout → fc2.

    Example:
      >>> net = MnistCNNDropout()
      >>> net(torch.zeros(20, 1, 28, 28)).shape
      torch.Size([20, 10])
      >>> x = torch.randn(3, 1, 28, 28)
      >>> _ = net.eval()  # dropout off: two calls give the same scores
      >>> torch.equal(net(x), net(x))
      True
      >>> _ = net.train()  # dropout on: each call drops other units
      >>> torch.equal(net(x), net(x))
      False
    """

    def __init__(self):
        """Create conv1 = Conv2d(1, 6, 5), conv2 = Conv2d(6, 16, 5), fc1 = Linear(256, 64),
        fc2 = Linear(64, 10), a 2×2 max-pooling (self.pool = nn.MaxPool2d(2)) and the dropout layer
        (self.dropout = nn.Dropout()). Call `super().__init__()` first.
        """
        super().__init__()
        raise NotImplementedError("MnistCNNDropout.__init__: create conv1, conv2, fc1, dropout and fc2")

    def forward(self, x):
        """Scores for each image.

        Args:
          x: torch.Tensor of shape [N, 1, 28, 28], float32, for any batch size N.

        Returns:
          torch.Tensor of shape [N, 10]: raw scores (logits), one row per image, no softmax.
          Dropout is applied to fc1's output after its ReLU, and only in train() mode: a layer
          created in __init__ switches itself off when net.eval() is called.
        """
        raise NotImplementedError("MnistCNNDropout.forward")
