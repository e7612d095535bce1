"""Correct: forward and backward in NumPy, as in PyTorch's "Extending torch with numpy" example: autograd never
looks inside forward, so the Function's own backward supplies the gradient whatever computed the values."""

import torch


class LegendrePolynomial3(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        x = input.detach().cpu().numpy()
        return torch.from_numpy(0.5 * (5 * x ** 3 - 3 * x)).to(input.device)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        x = input.detach().cpu().numpy()
        derivative = torch.from_numpy(1.5 * (5 * x ** 2 - 1)).to(grad_output.device)
        return grad_output * derivative
