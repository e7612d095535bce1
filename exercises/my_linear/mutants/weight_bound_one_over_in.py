"""Mistake: draws the weight from U(-1/in, 1/in) (the bias's range in the book) instead of U(-1/sqrt(in), 1/sqrt(in)).
間違い: 重みを U(-1/sqrt(in), 1/sqrt(in)) ではなく U(-1/in, 1/in)（本ではバイアスの範囲）から取っています。
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
        weight = torch.empty(out_features, in_features).uniform_(-k, k)
        self.weight = nn.Parameter(weight)

        bias = torch.empty(out_features).uniform_(-sqrt(k), sqrt(k))
        self.bias = nn.Parameter(bias)

    def forward(self, x):
        return x @ self.weight.T + self.bias
