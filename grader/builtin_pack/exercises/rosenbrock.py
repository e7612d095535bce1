"""Exercise rosenbrock: minimising the Rosenbrock function with autograd (Keydana, Deep Learning and
Scientific Computing with R torch, ch. 5, ported to PyTorch).

Fill in the bodies of `rosenbrock` and `minimize_rosenbrock`, then run `grader check rosenbrock`.
"""

import torch


def rosenbrock(x, a=1.0, b=5.0):
    """The Rosenbrock function f(x1, x2) = (a - x1)² + b·(x2 - x1²)².

    Args:
      x: torch.Tensor of shape [2] holding (x1, x2), float32 or float64; indices start at 0
        in Python: x1 is x[0] and x2 is x[1].
      a, b: the function's two constants (numbers). Use these arguments, not global variables.

    Returns:
      A 0-d torch.Tensor with the dtype of x, connected to the autograd graph (so that
      `rosenbrock(x).backward()` fills x.grad). Its minimum is f(a, a²) = 0.

    Example:
      >>> rosenbrock(torch.tensor([-1.0, 1.0]))
      tensor(4.)
      >>> rosenbrock(torch.tensor([2.0, 3.0]))
      tensor(6.)
    """
    raise NotImplementedError("The Rosenbrock function `rosenbrock`")


def minimize_rosenbrock(x0, lr, num_iterations):
    """Gradient descent on rosenbrock(x) (with its default a and b), by hand.

    Make x a float32 leaf tensor that requires grad, starting at x0. Then, in each of the
    num_iterations iterations: compute value = rosenbrock(x), record value.item(), call
    value.backward(), and update x in place without recording the update in the graph
    (inside `with torch.no_grad():`, x.sub_(lr * x.grad) or x -= lr * x.grad), then reset
    x.grad to zero (x.grad.zero_()) so that the gradients do not add up.

    Args:
      x0: the starting point, two Python numbers, ints or floats: e.g. (-1.0, 1.0) or (2, 3).
      lr: the learning rate (step size), e.g. 0.01.
      num_iterations: the number of updates, e.g. 1000.

    Returns:
      A tuple (x, values):
        x: the float32 tensor of shape [2] after the last update (the leaf you created);
        values: a list of num_iterations Python floats, values[i] = rosenbrock(x) at the
          point before update i (so values[0] = rosenbrock(x0)).

    Example:
      >>> x, values = minimize_rosenbrock((-1.0, 1.0), 0.01, 1000)
      >>> x
      tensor([0.9918, 0.9830], requires_grad=True)
      >>> values[0], values[99], len(values)
      (4.0, 0.350292444229126, 1000)
    """
    raise NotImplementedError("Gradient descent `minimize_rosenbrock`")
