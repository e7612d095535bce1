"""Forges its check's answer with a 300 MB JSON header: the grader's own memory must stay bounded.

Inside the call, it takes the request's token from the worker's frames and answers itself
with one frame whose JSON header (a list of 150 million zeros, no newline for 300 MB) parsed
would make the grader build a list of 150 million items: 8 GB. No answer may be that large.
The 'inputs unchanged' check gets one of 250 MB (an answer may take 260 MB: 256 of them
tensors), but the grader looks for the header's newline in its first 4 MB only. Each check
could not be read back, and its worker is replaced.

expect: {"exercise": "sq_loss", "status": {"shape": "error", "inputs_unchanged": "error"}, "max_score": 0, "says": {"shape": "could not be read back (an answer of 286 MB", "inputs_unchanged": "header is larger than 4 MB"}}
"""

import json
import sys

ZEROS = {0: 150_000_000, 3: 125_000_000}  # probe -> zeros of the header, two bytes each: "0,"


def sq_loss(y_true, y_prediction):
    frame = sys._getframe()
    while frame is not None and "request" not in frame.f_locals:
        frame = frame.f_back
    if frame is not None:
        events, index, token = frame.f_locals["events"], frame.f_locals["index"], frame.f_locals["token"]
        start = json.dumps({"event": "done", "probe": index, "token": token})[:-1].encode()
        pad = b"0," * ZEROS.get(index, 1)
        events.send_bytes(start + b', "observations": {"values": {}, "tensors": [], "pad": [' + pad + b"0]}}\n")
    return (y_true - y_prediction) ** 2
