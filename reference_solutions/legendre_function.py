"""Reference solution of legendre_function (the PyTorch tutorial's)."""

import torch


class LegendrePolynomial3(torch.autograd.Function):
    """P3(x) = 0.5 * (5x³ - 3x), with P3'(x) = 1.5 * (5x² - 1) in backward."""

    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input ** 3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input ** 2 - 1)
