"""cnn_classifier: forward returns an empty [0, 10] tensor."""

import torch
from torch import nn


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)

    def forward(self, x):
        return torch.empty(0, 10)


def accuracy(logits, labels):
    return 0.5
