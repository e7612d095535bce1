"""Mistake: updates the parameter in place with neither .data nor torch.no_grad(), which autograd forbids on a leaf.
間違い: .data も torch.no_grad() も使わずにパラメータをその場で更新しているが、autograd は葉テンソルへのその操作を禁じている。
Caught by: step."""

import torch


class BasicOptim:
    """Plain gradient descent: each step moves every parameter by -lr times its gradient."""

    def __init__(self, params, lr):
        self.params, self.lr = list(params), lr

    def step(self, *args, **kwargs):
        for p in self.params:
            p -= p.grad * self.lr

    def zero_grad(self, *args, **kwargs):
        for p in self.params:
            p.grad = None
