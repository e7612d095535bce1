"""Correct: writes the update with the corrected learning rate lr * sqrt(1 - beta2**step) / (1 - beta1**step)
and eps scaled to match, eps * sqrt(1 - beta2**step), which is algebraically torch's
lr * m_hat / (sqrt(v_hat) + eps); returns a list, which stands for the tuple."""

import math

import torch


def adam_step(param, grad, exp_avg, exp_avg_sq, step, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
    b1, b2 = betas
    m = b1 * exp_avg + (1 - b1) * grad
    v = b2 * exp_avg_sq + (1 - b2) * torch.square(grad)
    root = math.sqrt(1 - b2 ** step)
    lr_t = lr * root / (1 - b1 ** step)
    new_param = param - lr_t * m / (torch.sqrt(v) + eps * root)
    return [new_param, m, v]
