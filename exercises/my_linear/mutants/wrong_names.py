"""Mistake: names the parameters w and b (as the R book does), so nn.Linear's state_dict does not load.
間違い: パラメータの名前を w と b にしているため（R の本と同じ）、nn.Linear の state_dict を読み込めません。
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
        self.w = nn.Parameter(weight)

        bias = torch.empty(out_features).uniform_(-sqrt(k), sqrt(k))
        self.b = nn.Parameter(bias)

    def forward(self, x):
        return x @ self.w.T + self.b
