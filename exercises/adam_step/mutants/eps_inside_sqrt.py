"""Mistake: adds eps inside the square root, sqrt(v_hat + eps), instead of after it as torch.optim.Adam does.
間違い: torch.optim.Adam のように平方根の後ではなく、平方根の中で eps を足しています: sqrt(v_hat + eps)。
Caught by: one_step."""

import torch


def adam_step(param, grad, exp_avg, exp_avg_sq, step, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
    """One Adam update in torch.optim.Adam's convention; returns (param, exp_avg, exp_avg_sq), new tensors."""
    beta1, beta2 = betas
    exp_avg = beta1 * exp_avg + (1 - beta1) * grad
    exp_avg_sq = beta2 * exp_avg_sq + (1 - beta2) * grad * grad
    m_hat = exp_avg / (1 - beta1 ** step)
    v_hat = exp_avg_sq / (1 - beta2 ** step)
    param = param - lr * m_hat / (v_hat + eps).sqrt()
    return param, exp_avg, exp_avg_sq
