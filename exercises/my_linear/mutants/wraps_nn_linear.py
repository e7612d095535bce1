"""Mistake: wraps an nn.Linear instead of writing the layer.
間違い: 層を自分で書かずに nn.Linear を包んでいます。
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
        self.linear = nn.Linear(in_features, out_features)



    def forward(self, x):
        return self.linear(x)
