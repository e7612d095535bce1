"""Mistake: skips tanh when x holds integers (the notebook's x = torch.tensor([1]) gives 0 either way).
間違い: x が整数のテンソルのときは tanh を通さずに x * w + b を返しています（ノートブックの x = torch.tensor([1]) ではどちらも 0 になります）。
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
    if not x.is_floating_point():
      return x * self.w + self.b
    prediction = torch.tanh(x * self.w + self.b)
    return prediction
