"""Mistake: writes p.grad == None, a comparison, instead of the assignment p.grad = None, so no gradient is reset.
間違い: 代入 p.grad = None ではなく比較 p.grad == None と書いているので、勾配がリセットされない。
Caught by: zero_grad, steps."""

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
            p.grad == None
