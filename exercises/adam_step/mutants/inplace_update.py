"""Mistake: updates param and the moments in place, as torch.optim does with its own state, changing the caller's tensors.
間違い: torch.optim が自分の状態に対して行うように param とモーメントをその場で更新していて、呼び出し側のテンソルを書き換えています。
Caught by: inputs_unchanged."""

import torch


def adam_step(param, grad, exp_avg, exp_avg_sq, step, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
    """One Adam update in torch.optim.Adam's convention; returns (param, exp_avg, exp_avg_sq), new tensors."""
    beta1, beta2 = betas
    exp_avg.mul_(beta1).add_((1 - beta1) * grad)
    exp_avg_sq.mul_(beta2).add_((1 - beta2) * grad * grad)
    m_hat = exp_avg / (1 - beta1 ** step)
    v_hat = exp_avg_sq / (1 - beta2 ** step)
    param -= lr * m_hat / (v_hat.sqrt() + eps)
    return param, exp_avg, exp_avg_sq
