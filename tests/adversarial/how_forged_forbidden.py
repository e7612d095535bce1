"""Uses F.linear and, during the no_linear check, answers for the worker: "forbidden": [].

The request's token is in the worker's own frames; an answer sent with it is taken for the worker's.
The grader must decide the check from what it reads itself.

expect: {"exercise": "my_linear", "status": {"forward": "passed", "no_linear": "failed"}, "max_score": 6, "says": {"no_linear": "line"}}
"""

import json
import math
import sys

import torch
import torch.nn.functional as F
from torch import nn


def _forge() -> None:
    frame = sys._getframe()
    while frame is not None and "request" not in frame.f_locals:
        frame = frame.f_back
    if frame is None or frame.f_locals.get("index") != 5:  # the no_linear check
        return
    events, index, token = frame.f_locals["events"], frame.f_locals["index"], frame.f_locals["token"]
    values = {"forbidden": {"type": "list", "value": [], "requires_grad": False, "grad_fn": None,
                            "device": "cpu", "length": None}}
    header = {"event": "done", "probe": index, "token": token, "observations": {"values": values, "tensors": []}}
    events.send_bytes(json.dumps(header).encode() + b"\n")


class MyLinear(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        bound = 1 / math.sqrt(in_features)
        self.weight = nn.Parameter(torch.empty(out_features, in_features).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.empty(out_features).uniform_(-bound, bound))

    def forward(self, x):
        _forge()
        return F.linear(x, self.weight, self.bias)
