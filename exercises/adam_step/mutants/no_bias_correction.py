"""Mistake: leaves out the bias correction (the book's eq. 8.9), so the first steps are about 3 times too long.
間違い: バイアス補正を省いているため（本の式 8.9）、最初のステップが約 3 倍長すぎます。
Caught by: one_step, trajectory, state."""

import torch


def adam_step(param, grad, exp_avg, exp_avg_sq, step, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
    """One Adam update in torch.optim.Adam's convention; returns (param, exp_avg, exp_avg_sq), new tensors."""
    beta1, beta2 = betas
    exp_avg = beta1 * exp_avg + (1 - beta1) * grad
    exp_avg_sq = beta2 * exp_avg_sq + (1 - beta2) * grad * grad
    m_hat = exp_avg / (1 - beta1 ** step)
    v_hat = exp_avg_sq / (1 - beta2 ** step)
    param = param - lr * exp_avg / (exp_avg_sq.sqrt() + eps)
    return param, exp_avg, exp_avg_sq
