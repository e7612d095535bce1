"""Mistake: math.tanh, which turns the tensor into a Python float.
間違い: math.tanh を使っているため、テンソルが Python の float になっています。
Caught by: prediction."""

import math

import torch


class SimpleGraph:
  """
  Implementing Simple Computational Graph
  """

  def __init__(self, w, b):
    """Stores the weight and the bias as tensors that require gradients."""
    assert isinstance(w, float)
    assert isinstance(b, float)
    self.w = torch.tensor([w], requires_grad=True)
    self.b = torch.tensor([b], requires_grad=True)

  def forward(self, x):
    """The prediction tanh(x * w + b)."""
    assert isinstance(x, torch.Tensor)
    prediction = math.tanh(x * self.w + self.b)
    return prediction
