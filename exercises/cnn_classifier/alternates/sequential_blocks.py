"""Correct: the layers are the required attributes conv1, conv2, fc1 and fc2, and forward runs
them through two nn.Sequential blocks that hold the same layer objects (so each parameter is
registered twice, under two names, but it is one tensor); Tensor methods .relu() and
.flatten(1); accuracy counts right predictions in a Python loop."""

import torch
from torch import nn


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(256, 64)
        self.fc2 = nn.Linear(64, 10)
        self.features = nn.Sequential(self.conv1, nn.ReLU(), nn.MaxPool2d(2, 2),
                                      self.conv2, nn.ReLU(), nn.MaxPool2d(2, 2))
        self.classifier = nn.Sequential(self.fc1, nn.ReLU(), self.fc2)

    def forward(self, x):
        return self.classifier(self.features(x).flatten(1))


def accuracy(logits, labels):
    predicted = logits.argmax(dim=-1).tolist()
    right = sum(1 for p, t in zip(predicted, labels.tolist()) if p == t)
    return right / len(predicted)
