"""Mistake: __init__ rounds w and b to one decimal (every value the notebook uses has one).
間違い: __init__ で w と b を小数点以下 1 桁に丸めています（ノートブックで使う値はどれも小数点以下 1 桁です）。
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
    self.w = torch.tensor([round(w, 1)], requires_grad=True)
    self.b = torch.tensor([round(b, 1)], requires_grad=True)

  def forward(self, x):
    """The prediction tanh(x * w + b)."""
    assert isinstance(x, torch.Tensor)
    prediction = torch.tanh(x * self.w + self.b)
    return prediction
