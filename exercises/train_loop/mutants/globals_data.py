"""Mistake: uses the notebook's global inputs and targets instead of the features and labels passed in.
間違い: 渡された features と labels ではなく、ノートブックのグローバル変数 inputs と targets を使っています。
Caught by: losses."""

import torch
from torch import nn

# The notebook's globals, as a student's file exported from Colab has them.
torch.manual_seed(2021)
n_samples = 32
inputs = torch.linspace(-1.0, 1.0, n_samples).reshape(n_samples, 1)
noise = torch.randn(n_samples, 1) / 4
targets = torch.sin(torch.pi * inputs) + noise
wide_net = nn.Sequential(nn.Linear(1, 512), nn.ReLU(), nn.Linear(512, 1))
loss_function = nn.MSELoss()
sgd_optimizer = torch.optim.SGD(wide_net.parameters(), lr=0.003, momentum=0.9)
epochs = 1847


def train(features, labels, model, loss_fun, optimizer, n_epochs):
    """Train `model` for `n_epochs` full-batch steps; return the loss of each epoch."""
    loss_record = []  # Keeping records of loss

    for i in range(n_epochs):
        optimizer.zero_grad()  # Set gradients to 0
        predictions = model(inputs)  # Compute model prediction (output)
        loss = loss_fun(predictions, targets)  # Compute the loss
        loss.backward()  # Compute gradients (backward pass)
        optimizer.step()  # Update parameters (optimizer takes a step)

        loss_record.append(loss.item())
    return loss_record
