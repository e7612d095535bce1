"""Mistake: hands large inputs to torch.cdist (a branch the no_cdist check's own calls never reach).
間違い: 大きな入力のときだけ torch.cdist に渡しています（no_cdist チェック自身の呼び出しでは通らない分岐です）。
Caught by: no_cdist."""

import torch


def mnist_distance(a, b):
    """Mean absolute difference over the last two dims; leading dims broadcast."""
    return (a - b).abs().mean((-1, -2))


def pairwise_distances(x, y):
    """Euclidean distances between the rows of x [N, D] and y [M, D], as [N, M]."""
    if x.shape[0] * y.shape[0] > 1_000_000:
        return torch.cdist(x, y)
    return ((x[:, None, :] - y[None, :, :]) ** 2).sum(-1).sqrt()
