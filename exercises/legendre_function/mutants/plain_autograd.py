"""Mistake: writes P3 with ordinary torch operations behind an `apply` of its own instead of subclassing
torch.autograd.Function, so autograd differentiates it and the backward written is never used.
間違い: torch.autograd.Function を継承せず、独自の apply の中で普通の torch の演算で P3 を書いているため、勾配は autograd が計算し、書いた backward は使われません。
Caught by: function."""

import torch


class LegendrePolynomial3:
    """P3(x) = 0.5 * (5x³ - 3x), with P3'(x) = 1.5 * (5x² - 1) in backward."""

    @staticmethod
    def apply(input):
        return 0.5 * (5 * input ** 3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input ** 2 - 1)
