"""Forges its check's answer with tensors that claim ten times the bytes it sends.

The header lists ten tensors of 128 MB, each at offset 0 of the one 128 MB payload it sends.
Copied one by one, they made the grader itself grow by 1.3 GB. Tensors' bytes may not overlap
(and are no longer copied): the answer could not be read back. The 'inputs unchanged' check gets a frame whose length
prefix claims 2**40 bytes, more than any answer may take.

expect: {"exercise": "sq_loss", "status": {"shape": "error", "inputs_unchanged": "error"}, "max_score": 0, "says": {"shape": "could not be read back (tensors that claim the same bytes)", "inputs_unchanged": "could not be read back (an answer of"}}
"""

import json
import struct
import sys

import torch

SIZE = 128 * 2**20
COPIES = 10


def _answer(events, index, token):
    if index == 3:  # inputs_unchanged: a length that overflows any buffer
        import os

        os.write(events.fileno(), struct.pack("!i", -1) + struct.pack("!Q", 2**40) + b"{}\n")
        return
    metas = [{"dtype": "uint8", "shape": [SIZE], "offset": 0, "nbytes": SIZE} for _ in range(COPIES)]
    value = {"type": "torch.Tensor", "value": {"tensor": 0}, "requires_grad": True, "grad_fn": "PowBackward0",
             "device": "cpu", "length": None}
    header = {"event": "done", "probe": index, "token": token,
              "observations": {"values": {"forged": value}, "tensors": metas}}
    events.send_bytes(json.dumps(header).encode() + b"\n" + bytes(SIZE))


def sq_loss(y_true, y_prediction):
    frame = sys._getframe()
    while frame is not None and "request" not in frame.f_locals:
        frame = frame.f_back
    if frame is not None:
        _answer(frame.f_locals["events"], frame.f_locals["index"], frame.f_locals["token"])
    return torch.zeros(torch.broadcast_shapes(y_true.shape, y_prediction.shape))
