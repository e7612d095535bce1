"""Mistake: builds a new optimizer inside train instead of using the one given.
間違い: 渡されたオプティマイザを使わずに、train の中で新しいオプティマイザを作っています。
Caught by: optimizer."""

import torch


def train(features, labels, model, loss_fun, optimizer, n_epochs):
    """Train `model` for `n_epochs` full-batch steps; return the loss of each epoch."""
    loss_record = []  # Keeping records of loss
    optimizer = torch.optim.SGD(model.parameters(), lr=0.003, momentum=0.9)

    for i in range(n_epochs):
        optimizer.zero_grad()  # Set gradients to 0
        predictions = model(features)  # Compute model prediction (output)
        loss = loss_fun(predictions, labels)  # Compute the loss
        loss.backward()  # Compute gradients (backward pass)
        optimizer.step()  # Update parameters (optimizer takes a step)

        loss_record.append(loss.item())
    return loss_record
