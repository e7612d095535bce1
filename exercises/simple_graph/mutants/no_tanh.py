"""Mistake: returns the pre-activation x * w + b without tanh (equal to tanh's at the notebook's point).
間違い: tanh を通さずに活性化前の x * w + b を返しています（ノートブックの点では tanh の値と同じになります）。
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
    prediction = x * self.w + self.b
    return prediction
