"""Mistake: ignores step and always bias-corrects as at the first step, dividing by (1 - beta1) and (1 - beta2).
間違い: step を無視して、常に最初のステップと同じく (1 - beta1) と (1 - beta2) で割ってバイアス補正しています。
Caught by: one_step, trajectory, state."""

import torch


def adam_step(param, grad, exp_avg, exp_avg_sq, step, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
    """One Adam update in torch.optim.Adam's convention; returns (param, exp_avg, exp_avg_sq), new tensors."""
    beta1, beta2 = betas
    exp_avg = beta1 * exp_avg + (1 - beta1) * grad
    exp_avg_sq = beta2 * exp_avg_sq + (1 - beta2) * grad * grad
    m_hat = exp_avg / (1 - beta1)
    v_hat = exp_avg_sq / (1 - beta2)
    param = param - lr * m_hat / (v_hat.sqrt() + eps)
    return param, exp_avg, exp_avg_sq
