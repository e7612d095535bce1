"""Exercise basic_optim: fastbook's BasicOptim, an optimizer written by hand (fastbook ch. 4, "Creating an
Optimizer").

Fill in the bodies of `__init__`, `step` and `zero_grad`, then run `grader check basic_optim`.

It is used exactly like torch.optim.SGD (without momentum), e.g. in fastbook's training loop:

    linear_model = nn.Linear(28*28, 1)
    opt = BasicOptim(linear_model.parameters(), lr)
    for xb, yb in dl:
        loss = mnist_loss(linear_model(xb), yb)
        loss.backward()
        opt.step()
        opt.zero_grad()
"""

import torch


class BasicOptim:
    """Plain gradient descent: each step moves every parameter by -lr times its gradient."""

    def __init__(self, params, lr):
        """Keep the parameters and the learning rate.

        Args:
          params: the tensors to optimise: any iterable of leaf tensors that require grad, e.g.
            `model.parameters()` (a generator, which can be iterated only once!) or a list
            [weights, bias]. Keep them in a list, so that every step can go over them again.
          lr: the learning rate, a number.
        """
        raise NotImplementedError("BasicOptim.__init__")

    def step(self, *args, **kwargs):
        """Update every parameter p in place: p ← p - lr · p.grad.

        The update must not be recorded by autograd: change `p.data`, or work inside
        `with torch.no_grad():`. The parameters must stay the same tensor objects (the model
        uses them), so do not rebind p to a new tensor.
        """
        raise NotImplementedError("BasicOptim.step")

    def zero_grad(self, *args, **kwargs):
        """Reset every parameter's gradient, so that the next backward() does not add to it.

        Set p.grad to None (as torch.optim does) or to zeros. It must also work before any
        backward() has run, when p.grad is still None.
        """
        raise NotImplementedError("BasicOptim.zero_grad")
