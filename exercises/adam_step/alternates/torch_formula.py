"""Correct: torch.optim.Adam's own arrangement (_single_tensor_adam): lerp for the first moment, addcmul for the
second, the bias corrections folded into the step size and the denominator, addcdiv for the update. The same
formula as the reference, rounded in another order, on clones so that the arguments are left unchanged."""

import math

import torch


def adam_step(param, grad, exp_avg, exp_avg_sq, step, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
    beta1, beta2 = betas
    exp_avg = exp_avg.clone().lerp_(grad, 1 - beta1)
    exp_avg_sq = exp_avg_sq.clone().mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
    bias_correction1 = 1 - beta1 ** step
    bias_correction2 = 1 - beta2 ** step
    step_size = lr / bias_correction1
    denom = (exp_avg_sq.sqrt() / math.sqrt(bias_correction2)).add_(eps)
    return param.clone().addcdiv_(exp_avg, denom, value=-step_size), exp_avg, exp_avg_sq
