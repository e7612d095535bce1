"""Mistake: accuracy takes the argmax over dim 0 (the images) instead of dim 1 (the classes).
間違い: accuracy で argmax をクラスの次元 (dim 1) ではなく画像の次元 (dim 0) で取っています。
Caught by: accuracy."""

import torch
import torch.nn.functional as F
from torch import nn


class CNN(nn.Module):
    """conv(1→6, 5) → ReLU → pool → conv(6→16, 5) → ReLU → pool → flatten (256) → fc 64 → ReLU → fc 10."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 4 * 4, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))  # [N, 6, 12, 12]
        x = self.pool(F.relu(self.conv2(x)))  # [N, 16, 4, 4]
        x = x.flatten(1)  # [N, 256]
        x = F.relu(self.fc1(x))  # [N, 64]
        return self.fc2(x)  # [N, 10] logits


def accuracy(logits, labels):
    """The fraction of rows of `logits` whose largest entry is at the index given by `labels`."""
    predicted = logits.argmax(dim=0)
    return (predicted == labels).sum().item() / labels.size(0)
