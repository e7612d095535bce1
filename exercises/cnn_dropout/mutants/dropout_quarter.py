"""Mistake: uses nn.Dropout(0.25), the rate of the PyTorch MNIST example, instead of p = 0.5.
間違い: p = 0.5 ではなく、PyTorch の MNIST の例の値 nn.Dropout(0.25) を使っている。
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
        self.dropout = nn.Dropout(0.25)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))  # [N, 6, 12, 12]
        x = self.pool(F.relu(self.conv2(x)))  # [N, 16, 4, 4]
        x = x.reshape(-1, 16 * 4 * 4)  # [N, 256]
        x = F.relu(self.fc1(x))  # [N, 64]
        x = self.dropout(x)  # train(): half of the 64 units zeroed, the others doubled; eval(): as it is
        return self.fc2(x)  # [N, 10] logits
