"""Inside the call, takes the request's token from the worker's own frames and answers itself.

Code running in the worker can do this, and the grader cannot tell such an answer from the
worker's. What it gains is what returning the forged values would gain: here zeros of the
right shapes and dtypes, claimed to be on the autograd graph (the 'shape' check compares only
such facts, so it passes, as it would for an honest function returning zeros on the graph).
Values checks still fail. The worker's own answer, sent after it, is ignored as stale.
"""

import json
import sys

import torch

CASES = [((5,), (5,), "float32"), ((4, 1), (5,), "float32"), ((1,), (1,), "float32"), ((3,), (3,), "float64")]


def sq_loss(y_true, y_prediction):
    frame = sys._getframe()
    while frame is not None and "request" not in frame.f_locals:
        frame = frame.f_back
    if frame is not None:
        events, index, token = frame.f_locals["events"], frame.f_locals["index"], frame.f_locals["token"]
        values, metas, blob = {}, [], b""
        for i, (a, b, dtype) in enumerate(CASES):
            zeros = torch.zeros(torch.broadcast_shapes(a, b), dtype=getattr(torch, dtype))
            data = zeros.numpy().tobytes()
            metas.append({"dtype": dtype, "shape": list(zeros.shape), "offset": len(blob), "nbytes": len(data)})
            blob += data
            # the key the grader's probe uses (grader.keys.call): a message id and facts, as JSON
            key = json.dumps(["sq_loss.call.sq_loss", {"shapes": [list(a), list(b)]}], ensure_ascii=False,
                             sort_keys=True)
            values[key] = {"type": "torch.Tensor", "value": {"tensor": i}, "requires_grad": True,
                           "grad_fn": "PowBackward0", "device": "cpu", "length": None}
        header = {"event": "done", "probe": index, "token": token,
                  "observations": {"values": values, "tensors": metas}}
        events.send_bytes(json.dumps(header).encode() + b"\n" + blob)
    return torch.zeros(torch.broadcast_shapes(y_true.shape, y_prediction.shape))
