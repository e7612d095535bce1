"""Mistake: returns softmax probabilities in eval() mode (logits only while training).
間違い: eval() モードではソフトマックスの確率を返しています（ロジットを返すのは学習中だけです）。
Caught by: logits, outputs."""

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
        x = self.fc2(x)
        return x if self.training else F.softmax(x, dim=1)


def accuracy(logits, labels):
    return (logits.argmax(dim=1) == labels).sum().item() / labels.size(0)
