"""Exercise simple_graph: a simple computational graph (Neuromatch W1D2, Coding Exercise 2.1).

`SimpleGraph` holds a weight `w` and a bias `b` as tensors that require gradients. Write its
`forward` pass, the prediction tanh(x * w + b), then run `grader check simple_graph`.

In the notebook it is used like this:

    feature = torch.tensor([1])  # Input tensor
    target = torch.tensor([7])  # Target tensor
    simple_graph = SimpleGraph(-0.5, 0.5)
    prediction = simple_graph.forward(feature)
    square_loss = sq_loss(target, prediction)
    # for x=1 and y=7, prediction=0.0, and L2 Loss = 49.0
    square_loss.backward()
    # simple_graph.w.grad == tensor([-14.]), simple_graph.b.grad == tensor([-14.])
"""

import torch


class SimpleGraph:
  """
  Implementing Simple Computational Graph
  """

  def __init__(self, w, b):
    """
    Initializing the SimpleGraph

    Args:
      w: float
        Initial value for weight
      b: float
        Initial value for bias

    Returns:
      Nothing
    """
    assert isinstance(w, float)
    assert isinstance(b, float)
    self.w = torch.tensor([w], requires_grad=True)
    self.b = torch.tensor([b], requires_grad=True)

  def forward(self, x):
    """
    Forward pass

    Args:
      x: torch.Tensor
        1D tensor of features, e.g. torch.tensor([1]) (int64 works too)

    Returns:
      prediction: torch.Tensor
        Model predictions tanh(x * w + b): one per feature (shape (n,) for x of
        shape (n,)), still connected to the autograd graph so that gradients
        reach self.w and self.b
    """
    assert isinstance(x, torch.Tensor)
    #################################################
    ## Implement the the forward pass to calculate prediction
    ## Note that prediction is not the loss, but the value after `tanh`
    # Complete the function and remove or comment the line below
    raise NotImplementedError("Forward Pass `forward`")
    #################################################
    prediction = ...
    return prediction
