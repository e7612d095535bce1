"""Turns torch-function dispatch (and with it any TorchFunctionMode recorder) off around F.linear.

expect: {"exercise": "my_linear", "status": {"forward": "passed", "no_linear": "failed"}, "max_score": 6, "says": {"no_linear": "line 22 uses F.linear"}}
"""

import math

import torch
import torch.nn.functional as F
from torch import nn


class MyLinear(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        bound = 1 / math.sqrt(in_features)
        self.weight = nn.Parameter(torch.empty(out_features, in_features).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.empty(out_features).uniform_(-bound, bound))

    def forward(self, x):
        with torch._C.DisableTorchFunction():
            return F.linear(x, self.weight, self.bias)
