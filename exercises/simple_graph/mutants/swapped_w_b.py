"""Mistake: swaps weight and bias, tanh(x * b + w) (same as the answer at the notebook's point).
間違い: 重みとバイアスを入れ替えて tanh(x * b + w) になっています（ノートブックの点では正解と同じ値になります）。
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
    prediction = torch.tanh(x * self.b + self.w)
    return prediction
