"""Turns the line counter off with sys.settrace(None), then loops over every pair in plain Python.

The torch-operation count does not grow (the loop works on Python lists) and no line is counted
once tracing is off: the worker's record says "vectorised".

expect: {"exercise": "broadcast_distances", "status": {"pairwise_values": "passed"}, "max_score": 5}
"""

import math
import sys

import torch


def mnist_distance(a, b):
    return (a - b).abs().mean((-1, -2))


def pairwise_distances(x, y):
    sys.settrace(None)
    xs, ys = x.tolist(), y.tolist()
    out = [[math.sqrt(sum((p - q) ** 2 for p, q in zip(u, v))) for v in ys] for u in xs]
    return torch.tensor(out, dtype=x.dtype)
