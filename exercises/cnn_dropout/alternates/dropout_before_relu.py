"""Correct: the dropout applied before fc1's ReLU instead of after it. Zeroing a unit and doubling it both
commute with ReLU, so the result is the same; the layers are held in nn.Module attributes with the book's
names and the activation as a module."""

import torch
from torch import nn


class MnistCNNDropout(nn.Module):
    def __init__(self):
        super(MnistCNNDropout, self).__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.pool = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 16, 64)
        self.dropout = nn.Dropout(p=0.5)
        self.fc2 = nn.Linear(64, 10)
        self.relu = nn.ReLU()

    def forward(self, x):
        x = self.conv1(x)
        x = self.relu(x)
        x = self.pool(x)
        x = self.conv2(x)
        x = self.relu(x)
        x = self.pool(x)
        x = x.reshape(-1, 16 * 16)
        x = self.fc1(x)
        x = self.dropout(x)
        x = self.relu(x)
        x = self.fc2(x)
        return x
