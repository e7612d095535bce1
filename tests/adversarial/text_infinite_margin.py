"""sq_loss whose gradients are NaN and inf: the margin of the gradient check is not a number.

The values are right; the backward pass (a custom autograd Function) gives inf for y_true and NaN
for y_prediction. The check's margin (observed error ÷ allowed error) is infinite, and was written
as `Infinity`, which strict JSON parsers (JavaScript's JSON.parse, Go, Rust's serde_json) refuse:
the whole report became unreadable. The report must stay strict JSON (the margin null), the
gradient check fail and say where the NaN is; what the code prints (nan, inf) is only text.

expect: {"exercise": "sq_loss", "status": {"shape": "passed", "values": "passed", "grad": "failed"}, "max_score": 3, "says": {"grad": "got nan"}}
"""

import math

import torch


class _Square(torch.autograd.Function):
    @staticmethod
    def forward(ctx, y_true, y_prediction):
        return (y_true - y_prediction) ** 2

    @staticmethod
    def backward(ctx, grad):
        return grad * math.inf, grad * math.nan


def sq_loss(y_true, y_prediction):
    print("loss:", math.nan, math.inf, -math.inf)
    return _Square.apply(y_true, y_prediction)
