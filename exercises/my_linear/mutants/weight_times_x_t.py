"""Mistake: weight @ x.T + bias (the book's detour), which gives (out, N) instead of (N, out).
間違い: weight @ x.T + bias と計算していて（本の回り道）、形状が (N, out) ではなく (out, N) になっています。
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
        return self.weight @ x.T + self.bias.unsqueeze(1)
