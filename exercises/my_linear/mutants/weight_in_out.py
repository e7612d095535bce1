"""Mistake: stores the weight as (in_features, out_features), as the from-scratch network did, and computes x @ weight + bias.
間違い: 重みを (in_features, out_features) の形で持ち（ゼロから作ったネットワークと同じ）、x @ weight + bias と計算しています。
Caught by: parameters."""

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
        weight = torch.empty(in_features, out_features).uniform_(-sqrt(k), sqrt(k))
        self.weight = nn.Parameter(weight)

        bias = torch.empty(out_features).uniform_(-sqrt(k), sqrt(k))
        self.bias = nn.Parameter(bias)

    def forward(self, x):
        return x @ self.weight + self.bias
