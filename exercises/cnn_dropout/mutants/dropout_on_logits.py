"""Mistake: applies the dropout after fc2, to the logits, instead of between fc1 and fc2.
間違い: ドロップアウトを fc1 と fc2 の間ではなく、fc2 の後（ロジット）に適用している。
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
        return self.dropout(self.fc2(x))
