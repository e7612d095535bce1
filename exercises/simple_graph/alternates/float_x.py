"""Correct: x is turned into w's dtype first (integer features become float32), then torch.tanh(x * w + b)."""

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
    x = x.to(self.w.dtype)
    prediction = torch.tanh(x * self.w + self.b)
    return prediction
