"""Mistake: computes tanh in NumPy on detached values and converts back, which cuts the graph.
間違い: detach した値で tanh を NumPy で計算してから戻しているため、グラフが切れています。
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
    prediction = torch.from_numpy(np.tanh((x * self.w + self.b).detach().numpy()))
    return prediction
