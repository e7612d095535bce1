"""Mistake: the bias Parameter has requires_grad=False, so it is never trained.
間違い: バイアスの Parameter が requires_grad=False になっていて、学習されません。
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
        weight = torch.empty(out_features, in_features).uniform_(-sqrt(k), sqrt(k))
        self.weight = nn.Parameter(weight)

        bias = torch.empty(out_features).uniform_(-sqrt(k), sqrt(k))
        self.bias = nn.Parameter(bias, requires_grad=False)

    def forward(self, x):
        return x @ self.weight.T + self.bias
