"""Mistake: uses the weight's .data in forward, so no gradient reaches the weight.
間違い: forward で重みの .data を使っているため、重みに勾配が届きません。
Caught by: grad."""

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
        return x @ self.weight.data.T + self.bias
