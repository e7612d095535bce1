"""Exercise cnn_classifier: a CNN for 28×28 digit images (ディープラーニング工作室 ch8/ch10).

Fill in `CNN.__init__`, `CNN.forward` and `accuracy`, then run `grader check cnn_classifier`.

The network, layer by layer, for a batch of N greyscale 28×28 images:

    x          [N, 1, 28, 28]
    conv1      [N, 6, 24, 24]    nn.Conv2d(1, 6, 5)     (28 - 5 + 1 = 24)
    ReLU
    pool       [N, 6, 12, 12]    nn.MaxPool2d(2, 2)
    conv2      [N, 16, 8, 8]     nn.Conv2d(6, 16, 5)    (12 - 5 + 1 = 8)
    ReLU
    pool       [N, 16, 4, 4]
    flatten    [N, 256]          16 * 4 * 4 features per image
    fc1        [N, 64]           nn.Linear(256, 64)
    ReLU
    fc2        [N, 10]           nn.Linear(64, 10): one score (logit) per digit 0..9

19,670 parameters in all. The layers must be the attributes `conv1`, `conv2`, `fc1` and
`fc2`, so that a saved `state_dict` (keys `conv1.weight`, `conv1.bias`, ...) loads into it.
"""

import torch
import torch.nn.functional as F
from torch import nn


class CNN(nn.Module):
    """conv1 → ReLU → pool → conv2 → ReLU → pool → flatten → fc1 → ReLU → fc2.

    Example:
      >>> net = CNN()
      >>> net(torch.zeros(20, 1, 28, 28)).shape
      torch.Size([20, 10])
      >>> sum(p.numel() for p in net.parameters())
      19670
    """

    def __init__(self):
        """Create the layers: conv1 = Conv2d(1, 6, 5), conv2 = Conv2d(6, 16, 5),
        fc1 = Linear(256, 64), fc2 = Linear(64, 10), and a 2×2 max-pooling with stride 2
        (as a module such as `self.pool = nn.MaxPool2d(2, 2)`, or use F.max_pool2d in forward).
        Call `super().__init__()` first.
        """
        super().__init__()
        raise NotImplementedError("CNN.__init__: create conv1, conv2, fc1 and fc2")

    def forward(self, x):
        """Scores for each image.

        Args:
          x: torch.Tensor of shape [N, 1, 28, 28], float32, for any batch size N.

        Returns:
          torch.Tensor of shape [N, 10]: raw scores (logits), one row per image. Do not apply
          a softmax at the end: nn.CrossEntropyLoss applies log-softmax itself. Flatten each
          image on its own (the batch dimension must stay N whatever N is), e.g. with
          `torch.flatten(x, 1)` or `x.view(x.size(0), -1)`.
        """
        raise NotImplementedError("CNN.forward")


def accuracy(logits, labels):
    """The fraction of images whose highest score is at the right digit.

    Args:
      logits: torch.Tensor of shape [N, 10], the network's scores (one row per image).
      labels: torch.Tensor of shape [N], int64, the right digits 0..9.

    Returns:
      A Python float between 0 and 1 (a 0-d tensor holding that value is accepted too):
      the number of rows whose largest score is at the index `labels` gives, divided by N.

    Example:
      >>> logits = torch.tensor([[0.1, 2.0, -1.0], [3.0, 0.0, 0.5]])
      >>> accuracy(logits, torch.tensor([1, 2]))   # row 0 predicts 1 (right), row 1 predicts 0 (wrong)
      0.5
    """
    raise NotImplementedError("accuracy")
