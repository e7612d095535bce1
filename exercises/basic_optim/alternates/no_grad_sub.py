"""Correct: the update with sub_ inside torch.no_grad() instead of on .data, and the gradients zeroed in place
where they exist (a None gradient is already reset)."""

import torch


class BasicOptim:
    def __init__(self, params, lr):
        self.params = [p for p in params]
        self.lr = lr

    def step(self, *args, **kwargs):
        with torch.no_grad():
            for p in self.params:
                p.sub_(self.lr * p.grad)

    def zero_grad(self, *args, **kwargs):
        for p in self.params:
            if p.grad is not None:
                p.grad.zero_()
