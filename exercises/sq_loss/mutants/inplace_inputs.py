"""Mistake: "saves memory" by subtracting in place, changing the caller's y_true.
間違い: 「メモリの節約」のためにインプレースで引き算していて、呼び出し側の y_true を書き換えています。
Caught by: inputs_unchanged."""

import torch


def sq_loss(y_true, y_prediction):
    """Elementwise squared error, no reduction."""
    if not y_true.requires_grad and y_true.is_floating_point() and y_true.shape == y_prediction.shape:
        y_true -= y_prediction
        return y_true ** 2
    loss = (y_true - y_prediction) ** 2
    return loss
