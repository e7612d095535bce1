"""Mistake: backward returns the derivative P3'(input) without multiplying it by grad_output (no chain rule).
間違い: backward が導関数 P3'(input) を grad_output に掛けずに返しています（連鎖律がありません）。
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
        return 1.5 * (5 * input ** 2 - 1)
