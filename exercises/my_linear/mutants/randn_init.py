"""Mistake: standard-normal weights (torch.randn, as the R book's first version), far outside ±1/sqrt(in).
間違い: 重みを標準正規分布（torch.randn、R の本の最初の版と同じ）で初期化していて、±1/sqrt(in) の範囲を大きく超えています。
Caught by: init."""

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
        weight = torch.randn(out_features, in_features)
        self.weight = nn.Parameter(weight)

        bias = torch.empty(out_features).uniform_(-sqrt(k), sqrt(k))
        self.bias = nn.Parameter(bias)

    def forward(self, x):
        return x @ self.weight.T + self.bias
