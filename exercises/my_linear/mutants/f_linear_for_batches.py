"""Mistake: calls F.linear for inputs of three or more dims (a branch the grader's probes of this check never run).
間違い: 3 次元以上の入力のときだけ F.linear を呼んでいます（このチェックのプローブでは通らない分岐です）。
Caught by: no_linear."""

from math import sqrt

import torch
import torch.nn.functional as F
from torch import nn


class MyLinear(nn.Module):
    """A fully connected layer y = x @ weight.T + bias, like nn.Linear."""

    def __init__(self, in_features, out_features):
        super().__init__()
        k = 1 / in_features
        self.weight = nn.Parameter(torch.empty(out_features, in_features).uniform_(-sqrt(k), sqrt(k)))
        self.bias = nn.Parameter(torch.empty(out_features).uniform_(-sqrt(k), sqrt(k)))

    def forward(self, x):
        if x.dim() > 2:
            return F.linear(x, self.weight, self.bias)
        return x @ self.weight.T + self.bias
