"""Mistake: resets with p.grad.zero_(), which fails before any backward(), while p.grad is still None.
間違い: p.grad.zero_() でリセットしているので、backward() の前（p.grad がまだ None のとき）に失敗する。
Caught by: zero_grad."""

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
            p.grad.zero_()
