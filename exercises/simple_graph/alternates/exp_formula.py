"""Correct: tanh(z) = (e^{2z} − 1) / (e^{2z} + 1), written out with torch.exp (no overflow for these inputs)."""

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
    e = torch.exp(2 * (x * self.w + self.b))
    prediction = (e - 1) / (e + 1)
    return prediction
