"""Mistake: accumulates the first moment like SGD's momentum buffer, beta1 * exp_avg + grad, mixing the two conventions.
間違い: 1 次モーメントを SGD のモーメンタムバッファのように beta1 * exp_avg + grad で蓄積していて、2 つの流儀が混ざっています。
Caught by: one_step, state."""

import torch


def adam_step(param, grad, exp_avg, exp_avg_sq, step, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
    """One Adam update in torch.optim.Adam's convention; returns (param, exp_avg, exp_avg_sq), new tensors."""
    beta1, beta2 = betas
    exp_avg = beta1 * exp_avg + grad
    exp_avg_sq = beta2 * exp_avg_sq + (1 - beta2) * grad * grad
    m_hat = exp_avg / (1 - beta1 ** step)
    v_hat = exp_avg_sq / (1 - beta2 ** step)
    param = param - lr * m_hat / (v_hat.sqrt() + eps)
    return param, exp_avg, exp_avg_sq
