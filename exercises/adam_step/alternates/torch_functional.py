"""Correct: lets torch.optim's own functional Adam (torch.optim.adam.adam, what torch.optim.Adam.step calls) take
the step, on copies of param and the moments, with step - 1 steps already taken: the convention the exercise
fixes is torch's, so the result is the same. (The functional form spares the worker the import of torch._dynamo
that the first torch.optim.Adam(...) costs, about a second.)"""

import torch
from torch.optim.adam import adam


def adam_step(param, grad, exp_avg, exp_avg_sq, step, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
    new_param, new_exp_avg, new_exp_avg_sq = param.clone(), exp_avg.clone(), exp_avg_sq.clone()
    adam([new_param], [grad], [new_exp_avg], [new_exp_avg_sq], [], [torch.tensor(float(step - 1))],
         foreach=False, capturable=False, differentiable=False, fused=None, grad_scale=None, found_inf=None,
         has_complex=False, amsgrad=False, beta1=betas[0], beta2=betas[1], lr=lr, weight_decay=0.0, eps=eps,
         maximize=False)
    return new_param, new_exp_avg, new_exp_avg_sq
