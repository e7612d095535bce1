"""Mistake: saves the output instead of the input for backward, so the derivative is taken at P3(x) instead of x.
間違い: backward のために入力ではなく出力を保存しているため、導関数を x ではなく P3(x) の位置で評価しています。
Caught by: gradcheck, gradients."""

import torch


class LegendrePolynomial3(torch.autograd.Function):
    """P3(x) = 0.5 * (5x³ - 3x), with P3'(x) = 1.5 * (5x² - 1) in backward."""

    @staticmethod
    def forward(ctx, input):
        output = 0.5 * (5 * input ** 3 - 3 * input)
        ctx.save_for_backward(output)
        return output

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input ** 2 - 1)
