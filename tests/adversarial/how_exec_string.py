"""Defines forward from a string, decoded at run time, that calls F.linear.

expect: {"exercise": "my_linear", "status": {"forward": "passed", "no_linear": "failed"}, "max_score": 6}
"""

import base64
import math

import torch
import torch.nn.functional as F
from torch import nn

SOURCE = base64.b64decode(b"ZGVmIGZvcndhcmQoc2VsZiwgeCk6CiAgICByZXR1cm4gRi5saW5lYXIoeCwgc2VsZi53ZWlnaHQsIHNlbGYuYmlhcykK")


class MyLinear(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        bound = 1 / math.sqrt(in_features)
        self.weight = nn.Parameter(torch.empty(out_features, in_features).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.empty(out_features).uniform_(-bound, bound))


_ns = {"F": F}
exec(SOURCE, _ns)
MyLinear.forward = _ns["forward"]
