"""sq_loss with NaN where the reference has numbers: a NaN is a wrong value, named where it is.

NaN at the second element of every result (x * nan). The check failed, but its margin was written
as `Infinity` (the report was not JSON to a strict parser) and its message read "abs diff nan".
The values check must fail, say where the NaN is next to the value expected there, and the
report stay strict JSON.

expect: {"exercise": "sq_loss", "status": {"shape": "passed", "values": "failed"}, "max_score": 2, "says": {"values": "got nan"}}
"""

import torch


def sq_loss(y_true, y_prediction):
    out = (y_true - y_prediction) ** 2
    if out.numel() > 1:
        out = out * torch.where(torch.arange(out.numel()).reshape(out.shape) == 1, float("nan"), 1.0)
    return out
