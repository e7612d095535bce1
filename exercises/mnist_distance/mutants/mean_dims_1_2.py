"""Mistake: .mean((1, 2)) works on a batch but fails on a single (28, 28) image.
間違い: .mean((1, 2)) はバッチには使えますが、(28, 28) の画像 1 枚では失敗します。
Caught by: mnist_shape."""

import torch


def mnist_distance(a, b):
    """Mean absolute difference over the last two dims; leading dims broadcast."""
    return (a - b).abs().mean((1, 2))
