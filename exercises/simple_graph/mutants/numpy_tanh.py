"""Mistake: np.tanh on a tensor that requires grad (NumPy cannot follow the graph).
間違い: 勾配を必要とするテンソルに np.tanh を使っています（NumPy は計算グラフを追えません）。
Caught by: prediction."""

import numpy as np
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
    prediction = np.tanh(x * self.w + self.b)
    return prediction
