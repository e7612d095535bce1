"""Mistake: stores the product back into self.w, so the model changes every call.
間違い: 積を self.w に書き戻しているため、呼び出すたびにモデルが変わります。
Caught by: values."""

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
    self.w = x * self.w
    prediction = torch.tanh(self.w + self.b)
    return prediction
