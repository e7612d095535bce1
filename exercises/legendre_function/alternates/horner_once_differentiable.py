"""Correct: Horner's form x(2.5x² - 1.5) with torch functions, backward marked once_differentiable and computing
the gradient only when the input needs one (ctx.needs_input_grad); the values are P3 and its derivative."""

import torch
from torch.autograd.function import once_differentiable


class LegendrePolynomial3(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.mul(x, torch.sub(torch.mul(torch.square(x), 2.5), 1.5))

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        grad_x = None
        if ctx.needs_input_grad[0]:
            grad_x = grad_output * (7.5 * torch.square(x) - 1.5)
        return grad_x
