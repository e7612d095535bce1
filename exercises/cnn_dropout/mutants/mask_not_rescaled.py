"""Mistake: drops units with a hand-made mask but does not multiply the kept ones by 1 / (1 - p) = 2.
間違い: 手作りのマスクでユニットを落としているが、残ったユニットを 1 / (1 - p) = 2 倍していない。
Caught by: dropout."""

import torch
import torch.nn.functional as F
from torch import nn


class MnistCNNDropout(nn.Module):
    """conv1 → ReLU → pool → conv2 → ReLU → pool → flatten (256) → fc1 → ReLU → dropout → fc2."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.pool = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 4 * 4, 64)
        self.dropout = nn.Dropout()
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))  # [N, 6, 12, 12]
        x = self.pool(F.relu(self.conv2(x)))  # [N, 16, 4, 4]
        x = x.reshape(-1, 16 * 4 * 4)  # [N, 256]
        x = F.relu(self.fc1(x))  # [N, 64]
        if self.training:
            x = x * (torch.rand_like(x) >= 0.5)
        return self.fc2(x)  # [N, 10] logits
