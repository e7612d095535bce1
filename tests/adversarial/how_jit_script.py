"""Runs the layer as a TorchScript function: its ops run in the TorchScript interpreter, unseen by
Python-level recording.

expect: {"exercise": "my_linear", "status": {"forward": "passed", "no_linear": "failed"}, "max_score": 6, "says": {"no_linear": "line 14 uses torch.nn.functional.linear"}}
"""

import math

import torch
from torch import nn


def _layer(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    return torch.nn.functional.linear(x, weight, bias)


_scripted = torch.jit.script(_layer)


class MyLinear(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        bound = 1 / math.sqrt(in_features)
        self.weight = nn.Parameter(torch.empty(out_features, in_features).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.empty(out_features).uniform_(-bound, bound))

    def forward(self, x):
        return _scripted(x, self.weight, self.bias)
