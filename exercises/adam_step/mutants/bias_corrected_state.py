"""Mistake: returns the bias-corrected moments m_hat and v_hat as the new state, so they are corrected again at every step.
間違い: バイアス補正したモーメント m_hat と v_hat を新しい状態として返しているため、毎ステップ補正が重なります。
Caught by: one_step, trajectory, state."""

import torch


def adam_step(param, grad, exp_avg, exp_avg_sq, step, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
    """One Adam update in torch.optim.Adam's convention; returns (param, exp_avg, exp_avg_sq), new tensors."""
    beta1, beta2 = betas
    exp_avg = beta1 * exp_avg + (1 - beta1) * grad
    exp_avg_sq = beta2 * exp_avg_sq + (1 - beta2) * grad * grad
    m_hat = exp_avg / (1 - beta1 ** step)
    v_hat = exp_avg_sq / (1 - beta2 ** step)
    param = param - lr * m_hat / (v_hat.sqrt() + eps)
    return param, m_hat, v_hat
