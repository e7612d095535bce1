"""Mistake: takes the log of the last layer's scores, which gives NaN for every negative score.
間違い: 最後の層のスコアの log を取っているため、負のスコアはすべて NaN になります。
Caught by: logits."""

import torch
import torch.nn.functional as F
from torch import nn


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 4 * 4, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = F.relu(self.fc1(x.flatten(1)))
        return torch.log(self.fc2(x))


def accuracy(logits, labels):
    return (logits.argmax(dim=1) == labels).sum().item() / labels.size(0)
