"""Mistake: zeroes the gradients between backward() and step(), so step() has nothing to apply.
間違い: backward() と step() の間で勾配をゼロにしているため、step() で適用するものがありません。
Caught by: losses."""

import torch


def train(features, labels, model, loss_fun, optimizer, n_epochs):
    """Train `model` for `n_epochs` full-batch steps; return the loss of each epoch."""
    loss_record = []  # Keeping records of loss

    for i in range(n_epochs):
        predictions = model(features)  # Compute model prediction (output)
        loss = loss_fun(predictions, labels)  # Compute the loss
        loss.backward()  # Compute gradients (backward pass)
        optimizer.zero_grad()  # Set gradients to 0
        optimizer.step()  # Update parameters (optimizer takes a step)

        loss_record.append(loss.item())
    return loss_record
