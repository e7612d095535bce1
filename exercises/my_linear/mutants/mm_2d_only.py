"""Mistake: torch.mm, which only takes 2-D input (fails on (2, 3, in) and on a single sample (in,)).
間違い: 2 次元の入力しか受け取れない torch.mm を使っています（(2, 3, in) や 1 サンプルの (in,) で失敗します）。
Caught by: leading_dims."""

from math import sqrt

import torch
from torch import nn


class MyLinear(nn.Module):
    """A fully connected layer y = x @ weight.T + bias, like nn.Linear."""

    def __init__(self, in_features, out_features):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features

        k = 1 / in_features
        weight = torch.empty(out_features, in_features).uniform_(-sqrt(k), sqrt(k))
        self.weight = nn.Parameter(weight)

        bias = torch.empty(out_features).uniform_(-sqrt(k), sqrt(k))
        self.bias = nn.Parameter(bias)

    def forward(self, x):
        return torch.mm(x, self.weight.t()) + self.bias
