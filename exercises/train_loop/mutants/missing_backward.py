"""Mistake: never calls loss.backward(), so there are no gradients to apply.
間違い: loss.backward() を呼んでいないため、適用する勾配がありません。
Caught by: losses."""

import torch


def train(features, labels, model, loss_fun, optimizer, n_epochs):
    """Train `model` for `n_epochs` full-batch steps; return the loss of each epoch."""
    loss_record = []  # Keeping records of loss

    for i in range(n_epochs):
        optimizer.zero_grad()  # Set gradients to 0
        predictions = model(features)  # Compute model prediction (output)
        loss = loss_fun(predictions, labels)  # Compute the loss
        ...  # Compute gradients (backward pass)
        optimizer.step()  # Update parameters (optimizer takes a step)

        loss_record.append(loss.item())
    return loss_record
