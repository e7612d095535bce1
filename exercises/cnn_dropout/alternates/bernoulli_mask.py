"""Correct: inverted dropout by hand, only in training mode: a Bernoulli mask that keeps each unit with
probability 1 - p, and the kept units divided by 1 - p. It draws other random numbers than nn.Dropout, so
its mask differs from the reference's, but its rate and scaling are the same."""

import torch
import torch.nn.functional as F
from torch import nn


class MnistCNNDropout(nn.Module):
    def __init__(self, p=0.5):
        super().__init__()
        self.p = p
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 4 * 4, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = x.view(x.size(0), -1)
        x = F.relu(self.fc1(x))
        if self.training:
            mask = torch.bernoulli(torch.full_like(x, 1 - self.p))
            x = x * mask / (1 - self.p)
        return self.fc2(x)
