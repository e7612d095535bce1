"""Mistake: multiplies the update by the gradient once more, the stray g of the Japanese edition's eq. 8.9.
間違い: 日本語版の式 8.9 にある余分な g のとおり、更新量にもう一度勾配を掛けています。
Caught by: one_step, trajectory."""

import torch


def adam_step(param, grad, exp_avg, exp_avg_sq, step, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
    """One Adam update in torch.optim.Adam's convention; returns (param, exp_avg, exp_avg_sq), new tensors."""
    beta1, beta2 = betas
    exp_avg = beta1 * exp_avg + (1 - beta1) * grad
    exp_avg_sq = beta2 * exp_avg_sq + (1 - beta2) * grad * grad
    m_hat = exp_avg / (1 - beta1 ** step)
    v_hat = exp_avg_sq / (1 - beta2 ** step)
    param = param - lr * m_hat / (v_hat.sqrt() + eps) * grad
    return param, exp_avg, exp_avg_sq
