"""Mistake: x @ weight without .T (a shape error whenever in_features != out_features).
間違い: x @ weight と書いて .T を付け忘れています（in_features と out_features が違うと形状のエラーになります）。
Caught by: forward."""

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
        return x @ self.weight + self.bias
