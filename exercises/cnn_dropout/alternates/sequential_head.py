"""Correct: the layers are the attributes the contract names, and the classifier part is also held in an
nn.Sequential that forward calls; the same tensors are then registered twice (fc1.weight and
head.0.weight), which changes neither the parameters nor what the network computes."""

import torch
import torch.nn.functional as F
from torch import nn


class MnistCNNDropout(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.pool = nn.MaxPool2d(kernel_size=2, stride=2)
        self.fc1 = nn.Linear(256, 64)
        self.dropout = nn.Dropout(p=0.5)
        self.fc2 = nn.Linear(64, 10)
        self.head = nn.Sequential(nn.Flatten(), self.fc1, nn.ReLU(), self.dropout, self.fc2)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        return self.head(x)
