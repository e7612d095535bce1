"""Exercise my_linear: your own Linear layer (ディープラーニング工作室, chapter 6).

`nn.Linear` keeps a weight matrix and a bias vector and computes x @ weight.T + bias. Write
the same layer yourself: register the two tensors as parameters in `__init__`, initialise
them as `nn.Linear` does, and compute the output in `forward`. Then run
`grader check my_linear`.

Do not use `nn.Linear` or `torch.nn.functional.linear` inside `MyLinear`: the point is to
write the computation yourself.
"""

import math

import torch
from torch import nn


class MyLinear(nn.Module):
    """A fully connected layer y = x @ weight.T + bias, like nn.Linear.

    Example:
      >>> layer = MyLinear(4, 5)
      >>> [(name, tuple(p.shape)) for name, p in layer.named_parameters()]
      [('weight', (5, 4)), ('bias', (5,))]
      >>> layer(torch.randn(2, 4)).shape
      torch.Size([2, 5])
    """

    def __init__(self, in_features, out_features):
        """Create the layer's parameters.

        Args:
          in_features: int, the number of inputs of each sample (the size of x's last dim).
          out_features: int, the number of outputs of each sample.

        Register, as `nn.Parameter` attributes of the module (so that `parameters()`, the
        optimizer and `state_dict()` see them):
          self.weight: shape (out_features, in_features): one row per output node, one
            column per input node, as in nn.Linear (not (in_features, out_features));
          self.bias: shape (out_features,).
        Initialise both with values drawn uniformly from [-k, k], k = 1 / sqrt(in_features),
        as nn.Linear does. torch.empty(...) alone is not initialised: fill it, e.g. with
        .uniform_(-k, k).

        With these names and shapes, a state_dict saved from nn.Linear(in_features,
        out_features) loads into MyLinear(in_features, out_features).
        """
        super().__init__()
        raise NotImplementedError("MyLinear.__init__")

    def forward(self, x):
        """The layer's output.

        Args:
          x: torch.Tensor of shape (..., in_features): a batch (N, in_features), any number
            of leading dims such as (2, 3, in_features), or one sample (in_features,).

        Returns:
          torch.Tensor of shape (..., out_features): x @ weight.T + bias for every sample,
          connected to the autograd graph (gradients reach weight, bias and x).

        Example:
          >>> MyLinear(4, 5)(torch.randn(3, 4)).shape
          torch.Size([3, 5])
        """
        raise NotImplementedError("MyLinear.forward")
