"""Reference solution of basic_optim (fastbook ch. 4)."""

import torch


class BasicOptim:
    """Plain gradient descent: each step moves every parameter by -lr times its gradient."""

    def __init__(self, params, lr):
        self.params, self.lr = list(params), lr

    def step(self, *args, **kwargs):
        for p in self.params:
            p.data -= p.grad.data * self.lr

    def zero_grad(self, *args, **kwargs):
        for p in self.params:
            p.grad = None
