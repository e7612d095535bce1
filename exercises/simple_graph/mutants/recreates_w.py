"""Mistake: recreates w as a new leaf tensor inside forward, so no gradient reaches self.w.
間違い: forward の中で w を新しい葉テンソルとして作り直しているため、self.w に勾配が届きません。
Caught by: canonical, grad."""

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
    w = torch.tensor([self.w.item()], requires_grad=True)
    prediction = torch.tanh(x * w + self.b)
    return prediction
