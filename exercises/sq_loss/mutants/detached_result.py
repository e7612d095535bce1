"""Mistake: detaches the result from the autograd graph.
間違い: 結果を自動微分の計算グラフから detach しています。
Caught by: grad."""

import torch


def sq_loss(y_true, y_prediction):
    """Elementwise squared error, no reduction."""
    loss = ((y_true - y_prediction) ** 2).detach()
    return loss
