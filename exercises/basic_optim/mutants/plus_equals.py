"""Mistake: adds the gradient (+=) instead of subtracting it, climbing the loss.
間違い: 勾配を引かずに足している（+=）ので、損失を増やす方向に進む。
Caught by: step."""

import torch


class BasicOptim:
    """Plain gradient descent: each step moves every parameter by -lr times its gradient."""

    def __init__(self, params, lr):
        self.params, self.lr = list(params), lr

    def step(self, *args, **kwargs):
        for p in self.params:
            p.data += p.grad.data * self.lr

    def zero_grad(self, *args, **kwargs):
        for p in self.params:
            p.grad = None
