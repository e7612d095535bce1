"""Correct: model.forward(features) computes the same output as model(features) (no hooks here),
model.zero_grad() clears the same gradients as optimizer.zero_grad() (the optimizer holds
exactly the model's parameters), and float(loss) is loss.item() for a one-element tensor."""

import torch


def train(features, labels, model, loss_fun, optimizer, n_epochs):
    losses = []
    for i in range(n_epochs):
        model.zero_grad()
        predictions = model.forward(features)
        loss = loss_fun(predictions, labels)
        loss.backward()
        optimizer.step()
        losses.append(float(loss))
    return losses
