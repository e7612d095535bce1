"""Mistake: flattens the features channels-last (permute before flatten), so fc1's weights line up
with other features than the contract's; it trains, but its trained weights do not work in the
contract's network.
間違い: 特徴をチャンネルが最後の順に平坦化しています（flatten の前に permute）。fc1 の重みが指定とは別の特徴に対応するため、学習はできても、学習した重みは指定どおりのネットワークでは使えません。
Caught by: outputs, training."""

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
        x = F.relu(self.fc1(x.permute(0, 2, 3, 1).flatten(1)))
        return self.fc2(x)


def accuracy(logits, labels):
    return (logits.argmax(dim=1) == labels).sum().item() / labels.size(0)
