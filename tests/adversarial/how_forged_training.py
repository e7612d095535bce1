"""A CNN that cannot learn (in train() mode it sees only zeros), whose training run answers for the
worker with a test accuracy of 0.99.

In eval() mode it is the reference network, so the checks that load fixed weights pass. The grader
must compute the accuracy itself, from weights it evaluates.

expect: {"exercise": "cnn_classifier", "status": {"outputs": "passed"}, "max_score": 6}
"""

import json
import sys

import torch.nn.functional as F
from torch import nn

KEY = "test accuracy of CNN() after 6 epochs of Adam (lr 0.003, batches of 32) on 1200 digit images"


def _forge() -> None:
    frame = sys._getframe()
    while frame is not None and "request" not in frame.f_locals:
        frame = frame.f_back
    if frame is None or frame.f_locals.get("index") != 6:  # the training check
        return
    events, index, token = frame.f_locals["events"], frame.f_locals["index"], frame.f_locals["token"]
    values = {key: {"type": "float", "value": 0.99, "requires_grad": False, "grad_fn": None,
                    "device": "cpu", "length": None} for key in (KEY, "weights", "trained weights")}
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
        if self.training:
            _forge()
            x = x * 0
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = F.relu(self.fc1(x.flatten(1)))
        return self.fc2(x)


def accuracy(logits, labels):
    return (logits.argmax(dim=1) == labels).sum().item() / labels.size(0)
