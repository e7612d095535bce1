"""Mistake: keeps params as given, so the generator model.parameters() is used up by the first loop over it.
間違い: params をそのまま保持しているので、ジェネレータ model.parameters() が最初のループで使い切られる。
Caught by: zero_grad, steps."""

import torch


class BasicOptim:
    """Plain gradient descent: each step moves every parameter by -lr times its gradient."""

    def __init__(self, params, lr):
        self.params, self.lr = params, lr

    def step(self, *args, **kwargs):
        for p in self.params:
            p.data -= p.grad.data * self.lr

    def zero_grad(self, *args, **kwargs):
        for p in self.params:
            p.grad = None
