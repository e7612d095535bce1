"""Mistake: takes ctx.saved_tensors, a tuple, as the input tensor itself (input = ctx.saved_tensors), so backward raises.
間違い: タプルである ctx.saved_tensors を入力テンソルそのものとして受け取っているため（input = ctx.saved_tensors）、backward が例外を出します。
Caught by: gradcheck, gradients."""

import torch


class LegendrePolynomial3(torch.autograd.Function):
    """P3(x) = 0.5 * (5x³ - 3x), with P3'(x) = 1.5 * (5x² - 1) in backward."""

    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input ** 3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        input = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input ** 2 - 1)
