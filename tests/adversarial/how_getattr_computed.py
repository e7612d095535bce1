"""Reaches F.linear through getattr with a name built at run time, so no name in the file says "linear".

expect: {"exercise": "my_linear", "status": {"forward": "passed", "no_linear": "failed"}, "max_score": 6}
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

NAME = "".join(reversed("raenil"))


class MyLinear(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        bound = 1 / math.sqrt(in_features)
        self.weight = nn.Parameter(torch.empty(out_features, in_features).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.empty(out_features).uniform_(-bound, bound))

    def forward(self, x):
        return getattr(F, NAME)(x, self.weight, self.bias)
