"""Mistake: initialises the bias to zeros instead of drawing it at random.
間違い: バイアスを乱数ではなくゼロで初期化しています。
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
        weight = torch.empty(out_features, in_features).uniform_(-sqrt(k), sqrt(k))
        self.weight = nn.Parameter(weight)

        bias = torch.zeros(out_features)
        self.bias = nn.Parameter(bias)

    def forward(self, x):
        return x @ self.weight.T + self.bias
