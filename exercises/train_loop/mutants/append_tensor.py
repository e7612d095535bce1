"""Mistake: appends the loss tensor instead of loss.item().
間違い: loss.item() ではなく損失のテンソルをそのままリストに追加しています。
Caught by: returns."""

import torch


def train(features, labels, model, loss_fun, optimizer, n_epochs):
    """Train `model` for `n_epochs` full-batch steps; return the loss of each epoch."""
    loss_record = []  # Keeping records of loss

    for i in range(n_epochs):
        optimizer.zero_grad()  # Set gradients to 0
        predictions = model(features)  # Compute model prediction (output)
        loss = loss_fun(predictions, labels)  # Compute the loss
        loss.backward()  # Compute gradients (backward pass)
        optimizer.step()  # Update parameters (optimizer takes a step)

        loss_record.append(loss)
    return loss_record
