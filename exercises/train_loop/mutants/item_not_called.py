"""Mistake: appends loss.item without calling it (the method, not the number).
間違い: loss.item を呼ばずに追加しています（数値ではなくメソッドそのものです）。
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

        loss_record.append(loss.item)
    return loss_record
