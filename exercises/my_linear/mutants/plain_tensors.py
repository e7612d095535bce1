"""Mistake: plain tensors with requires_grad=True instead of nn.Parameter, so nothing is registered.
間違い: nn.Parameter ではなく requires_grad=True のただのテンソルを使っているため、何もパラメータとして登録されません。
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
        self.weight = weight.requires_grad_()

        bias = torch.empty(out_features).uniform_(-sqrt(k), sqrt(k))
        self.bias = bias.requires_grad_()

    def forward(self, x):
        return x @ self.weight.T + self.bias
