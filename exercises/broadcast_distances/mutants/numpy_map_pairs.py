"""Mistake: broadcasts the differences, then takes each pair's norm in a Python-level map over numpy
(no torch operation and no line of this file per pair, but one Python call per pair).
間違い: 差はブロードキャストで求めていますが、各ペアのノルムを NumPy 上の Python の map で 1 ペアずつ計算しています（ペアごとに Python の呼び出しが 1 回走ります）。
Caught by: vectorised."""

import numpy as np
import torch


def mnist_distance(a, b):
    """Mean absolute difference over the last two dims; leading dims broadcast."""
    return (a - b).abs().mean((-1, -2))


def pairwise_distances(x, y):
    """Euclidean distances between the rows of x [N, D] and y [M, D], as [N, M]."""
    diffs = (x[:, None, :] - y[None, :, :]).numpy()
    flat = diffs.reshape(-1, diffs.shape[-1])
    norms = np.fromiter(map(np.linalg.norm, flat), dtype=diffs.dtype, count=flat.shape[0])
    return torch.from_numpy(norms).reshape(x.shape[0], y.shape[0])
