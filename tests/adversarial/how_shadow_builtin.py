"""Shadows a builtin inside the exercise's checks module (`sorted`, which builds the forbidden list) and
uses F.linear.

A module's globals come before builtins: `<my_linear's checks module>.sorted = ...` changes what that
module's probe reports in the worker, and nothing else.

expect: {"exercise": "my_linear", "status": {"forward": "passed", "no_linear": "failed"}, "max_score": 6, "says": {"no_linear": "line"}}
"""

import math
import sys

import torch
import torch.nn.functional as F
from torch import nn

for module in list(sys.modules.values()):
    if hasattr(module, "FORBIDDEN_OPS") and hasattr(module, "EXERCISE"):  # my_linear's checks, whatever its name
        module.sorted = lambda *args, **kwargs: []


class MyLinear(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        bound = 1 / math.sqrt(in_features)
        self.weight = nn.Parameter(torch.empty(out_features, in_features).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.empty(out_features).uniform_(-bound, bound))

    def forward(self, x):
        return F.linear(x, self.weight, self.bias)
