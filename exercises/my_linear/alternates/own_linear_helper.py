"""Correct: a module-level helper the student named `linear` (their own function, not torch's), parameters
initialised by name through getattr(self, name), and a check against nn.Linear that runs only as a script
(not code MyLinear uses, so it does not count as using nn.Linear)."""

import math

import torch
from torch import nn


def linear(x, weight, bias):
    return x @ weight.T + bias


class MyLinear(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        self.bias = nn.Parameter(torch.empty(out_features))
        bound = 1 / math.sqrt(in_features)
        for name in ("weight", "bias"):
            nn.init.uniform_(getattr(self, name), -bound, bound)

    def forward(self, x):
        return linear(x, self.weight, self.bias)


if __name__ == "__main__":
    reference = nn.Linear(4, 5)
    mine = MyLinear(4, 5)
    mine.load_state_dict(reference.state_dict())
    x = torch.randn(3, 4)
    print(torch.allclose(mine(x), reference(x)))
