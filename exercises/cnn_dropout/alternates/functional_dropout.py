"""Correct: no Dropout module; F.dropout with training=self.training, which follows train() and eval() as
nn.Dropout does (and draws the same mask); F.max_pool2d and torch.flatten instead of the pool module."""

import torch
import torch.nn.functional as F
from torch import nn


class MnistCNNDropout(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(256, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.relu(self.fc1(torch.flatten(x, 1)))
        x = F.dropout(x, p=0.5, training=self.training)
        return self.fc2(x)
