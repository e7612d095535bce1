"""Mistake: returns the squared-error loss against the notebook's target instead of the prediction.
間違い: 予測ではなく、ノートブックの目標値に対する二乗誤差の損失を返しています。
Caught by: canonical."""

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
    prediction = torch.tanh(x * self.w + self.b)
    target = torch.tensor([7])
    prediction = (target - prediction) ** 2
    return prediction
