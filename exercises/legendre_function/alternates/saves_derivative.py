"""Correct: computes the derivative P3'(x) = 7.5x² - 1.5 in forward and saves it instead of the input; backward
only multiplies it by grad_output (the chain rule), so the gradient is the same."""

import torch


class LegendrePolynomial3(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(7.5 * input * input - 1.5)
        return 2.5 * input ** 3 - 1.5 * input

    @staticmethod
    def backward(ctx, grad_output):
        (derivative,) = ctx.saved_tensors
        return grad_output * derivative
