"""Exercise legendre_function: a custom autograd Function with its own backward (PyTorch tutorial,
"Learning PyTorch with Examples: Defining new autograd Functions").

Fill in `forward` and `backward`, then run `grader check legendre_function`.
"""

import torch


class LegendrePolynomial3(torch.autograd.Function):
    """The Legendre polynomial of degree 3, P3(x) = 0.5 * (5 * x**3 - 3 * x), elementwise, as an autograd Function.

    Call it as `LegendrePolynomial3.apply(x)`, never `LegendrePolynomial3()(x)` nor `.forward(...)` directly.
    Autograd does not look inside `forward` (it runs without recording a graph): the gradient comes from
    your `backward` alone, which gets the gradient of the loss w.r.t. the output and returns the one w.r.t.
    the input (the chain rule). The grader checks it with finite differences of your `forward`, in float64,
    as `torch.autograd.gradcheck` does.

    Example:
      >>> x = torch.tensor([0.5, 2.0], requires_grad=True)
      >>> y = LegendrePolynomial3.apply(x)
      >>> y
      tensor([-0.4375, 17.0000], grad_fn=<LegendrePolynomial3Backward>)
      >>> y.sum().backward()
      >>> x.grad          # P3'(x) = 1.5 * (5 * x**2 - 1)
      tensor([ 0.3750, 28.5000])
    """

    @staticmethod
    def forward(ctx, input):
        """P3(input), a tensor shaped like `input`; save in `ctx` what backward needs (ctx.save_for_backward)."""
        raise NotImplementedError("Custom Function `LegendrePolynomial3.forward`")

    @staticmethod
    def backward(ctx, grad_output):
        """The gradient w.r.t. `input`, shaped like it, given `grad_output`, the gradient w.r.t. the output."""
        raise NotImplementedError("Custom Function `LegendrePolynomial3.backward`")
