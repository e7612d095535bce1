"""Correct: lets torch.optim.Adam take the step, on a copy of param whose state is set to the moments passed in
and to step - 1 steps taken; this is the convention the exercise fixes, so it gives the same result."""

import torch


def adam_step(param, grad, exp_avg, exp_avg_sq, step, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
    p = param.detach().clone().requires_grad_(True)
    optimizer = torch.optim.Adam([p], lr=lr, betas=betas, eps=eps)
    optimizer.state[p] = {
        "step": torch.tensor(float(step - 1)),
        "exp_avg": exp_avg.detach().clone(),
        "exp_avg_sq": exp_avg_sq.detach().clone(),
    }
    p.grad = grad.detach().clone()
    optimizer.step()
    state = optimizer.state[p]
    return p.detach(), state["exp_avg"], state["exp_avg_sq"]
