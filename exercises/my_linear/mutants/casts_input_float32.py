"""Mistake: casts the input with x.float(), so a layer converted with .double() mixes float32 and float64.
間違い: 入力を x.float() で変換しているため、.double() で変換した層では float32 と float64 が混ざります。
Caught by: float64."""

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
        x = x.float()
        return x @ self.weight.T + self.bias
