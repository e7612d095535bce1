"""Mistake: rebinds the loop variable p = p - lr * p.grad, which leaves the parameters themselves unchanged.
間違い: ループ変数を p = p - lr * p.grad と作り直しているので、パラメータそのものは変わらない。
Caught by: step."""

import torch


class BasicOptim:
    """Plain gradient descent: each step moves every parameter by -lr times its gradient."""

    def __init__(self, params, lr):
        self.params, self.lr = list(params), lr

    def step(self, *args, **kwargs):
        with torch.no_grad():
            for p in self.params:
                p = p - p.grad * self.lr

    def zero_grad(self, *args, **kwargs):
        for p in self.params:
            p.grad = None
