"""Rebinds the grader's recording helper from its own module, then uses F.linear.

`grader.probes.Run.uses` is what the no_linear probe asks for the torch functions that ran; the
worker imported it before the student's file, so the student can replace it there. Nothing the
worker records may decide a "how" check: the grader reads the source itself.

expect: {"exercise": "my_linear", "status": {"forward": "passed", "no_linear": "failed"}, "max_score": 6, "says": {"no_linear": "line"}}
"""

import math

import grader.probes
import torch
import torch.nn.functional as F
from torch import nn

grader.probes.Run.uses = lambda self, *names: []


class MyLinear(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        bound = 1 / math.sqrt(in_features)
        self.weight = nn.Parameter(torch.empty(out_features, in_features).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.empty(out_features).uniform_(-bound, bound))

    def forward(self, x):
        return F.linear(x, self.weight, self.bias)
