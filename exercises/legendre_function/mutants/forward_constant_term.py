"""Mistake: writes the forward as 0.5 * (5x³ - 3), dropping the x of the second term (the backward still matches it).
間違い: forward を 0.5 * (5x³ - 3) と書いて、第 2 項の x を落としています（backward はそれに合わせてあります）。
Caught by: forward."""

import torch


class LegendrePolynomial3(torch.autograd.Function):
    """P3(x) = 0.5 * (5x³ - 3x), with P3'(x) = 1.5 * (5x² - 1) in backward."""

    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input ** 3 - 3)

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        return grad_output * 7.5 * input ** 2
