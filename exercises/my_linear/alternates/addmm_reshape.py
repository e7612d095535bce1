"""Correct: nn.Linear's own init (kaiming_uniform_ with a=sqrt(5) gives bound 1/sqrt(in) for the
weight; the bias bound is 1/sqrt(fan_in)), and forward by torch.addmm on x flattened to 2-D and
reshaped back, so any leading dims and a single sample (in,) work."""

import math

import torch
from torch import nn


class MyLinear(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        self.bias = nn.Parameter(torch.empty(out_features))
        self.reset_parameters()

    def reset_parameters(self):
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        fan_in = self.weight.shape[1]
        bound = 1 / math.sqrt(fan_in)
        nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, x):
        flat = x.reshape(-1, self.in_features)
        out = torch.addmm(self.bias, flat, self.weight.t())
        return out.reshape(*x.shape[:-1], self.out_features)
