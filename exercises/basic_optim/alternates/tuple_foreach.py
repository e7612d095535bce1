"""Correct: the parameters kept in a tuple, updated all at once with torch._foreach_add_ under no_grad, and
the gradients reset to None through setattr."""

import torch


class BasicOptim:
    def __init__(self, params, lr):
        self.params = tuple(params)
        self.lr = float(lr)

    def step(self, *args, **kwargs):
        with torch.no_grad():
            torch._foreach_add_(list(self.params), [p.grad for p in self.params], alpha=-self.lr)

    def zero_grad(self, *args, **kwargs):
        for p in self.params:
            setattr(p, "grad", None)
