"""Mistake: steps with the notebook's global lr instead of the lr given to BasicOptim.
間違い: BasicOptim に渡された lr ではなく、ノートブックのグローバル変数 lr でステップしている。
Caught by: step."""

import torch

lr = 1.  # fastbook's global learning rate


class BasicOptim:
    """Plain gradient descent: each step moves every parameter by -lr times its gradient."""

    def __init__(self, params, lr):
        self.params, self.lr = list(params), lr

    def step(self, *args, **kwargs):
        for p in self.params:
            p.data -= p.grad.data * lr

    def zero_grad(self, *args, **kwargs):
        for p in self.params:
            p.grad = None
