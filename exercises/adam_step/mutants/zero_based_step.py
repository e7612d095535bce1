"""Mistake: takes step as the number of steps already taken, so the bias correction uses step + 1.
間違い: step をすでに済んだステップ数と考えて、バイアス補正に step + 1 を使っています。
Caught by: one_step, trajectory."""

import torch


def adam_step(param, grad, exp_avg, exp_avg_sq, step, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
    """One Adam update in torch.optim.Adam's convention; returns (param, exp_avg, exp_avg_sq), new tensors."""
    beta1, beta2 = betas
    exp_avg = beta1 * exp_avg + (1 - beta1) * grad
    exp_avg_sq = beta2 * exp_avg_sq + (1 - beta2) * grad * grad
    m_hat = exp_avg / (1 - beta1 ** (step + 1))
    v_hat = exp_avg_sq / (1 - beta2 ** (step + 1))
    param = param - lr * m_hat / (v_hat.sqrt() + eps)
    return param, exp_avg, exp_avg_sq
