"""Correct: the torch 2 style, a forward without ctx and a separate setup_context that saves the input; the
Function, its node and its gradient are the same as with forward(ctx, input)."""

import torch


class LegendrePolynomial3(torch.autograd.Function):
    @staticmethod
    def forward(input):
        return 0.5 * (5 * input ** 3 - 3 * input)

    @staticmethod
    def setup_context(ctx, inputs, output):
        (input,) = inputs
        ctx.save_for_backward(input)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input ** 2 - 1)
