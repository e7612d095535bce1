"""Mistake: differentiates x³ as x², forgetting to multiply by the exponent 3.
間違い: x³ を微分するときに指数の 3 を掛け忘れて、x² としています。
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
        input, = ctx.saved_tensors
        return grad_output * 0.5 * (5 * input ** 2 - 3)
