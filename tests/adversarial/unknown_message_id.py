"""Stops the class: forges the training check's answer with a "problem" the grader never sends.

The reference CNN, except that during the training check its forward answers for the worker with
a string where the grader expects an accuracy or one of its known problems. The string once became
a message id, and rendering the report raised KeyError: `grader grade` died there and every
student after this one got no report. The forged answer must cost this check only.

expect: {"exercise": "cnn_classifier", "status": {"architecture": "passed", "training": "error"}, "max_score": 6, "says": {"training": "could not be read back"}}
"""

import json
import sys

import torch.nn.functional as F
from torch import nn


def _forge() -> None:
    frame = sys._getframe()
    while frame is not None and "request" not in frame.f_locals:
        frame = frame.f_back
    if frame is None or frame.f_locals["index"] != 6:  # the training check
        return
    events, index, token = frame.f_locals["events"], frame.f_locals["index"], frame.f_locals["token"]
    values = {key: {"type": "str", "value": "\x1b[31mzzz_not_a_problem", "requires_grad": False,
                    "grad_fn": None, "device": "cpu", "length": None}
              for key in ("test accuracy of CNN() after 6 epochs of Adam (lr 0.003, batches of 32) on 1200 digit images",
                          "trained")}
    header = {"event": "done", "probe": index, "token": token, "observations": {"values": values, "tensors": []}}
    events.send_bytes(json.dumps(header).encode() + b"\n")


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 4 * 4, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        _forge()
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = F.relu(self.fc1(x.flatten(1)))
        return self.fc2(x)


def accuracy(logits, labels):
    return (logits.argmax(dim=1) == labels).sum().item() / labels.size(0)
