"""Correct: the book's own code (ディープラーニング工作室 ch. 6): weight U(±1/sqrt(in)) and the bias
drawn from the narrower U(±1/in), which the exercise accepts (it lies within nn.Linear's ±1/sqrt(in));
forward as torch.matmul(x, weight.T) + bias, as the book's second version does."""

from math import sqrt

import torch
from torch import nn


class MyLinear(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        self.in_features = in_features    # 入力値の数を保存
        self.out_features = out_features  # 出力値の数を保存

        # 重みを格納する行列の定義
        k = 1 / in_features
        weight = torch.empty(out_features, in_features).uniform_(-sqrt(k), sqrt(k))
        self.weight = nn.Parameter(weight)

        # バイアスを格納するベクトルの定義
        bias = torch.empty(out_features).uniform_(-k, k)
        self.bias = nn.Parameter(bias)

    def forward(self, x):
        return torch.matmul(x, self.weight.T) + self.bias
