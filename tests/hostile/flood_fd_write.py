"""Writes straight to file descriptors 1 and 2 (and sys.__stdout__), bytes that are not UTF-8 included."""

import os
import sys

for _ in range(200):
    os.write(1, b"\xff\xfe raw fd1 at import " * 500 + b"\n")
    os.write(2, b"raw fd2 at import " * 500 + b"\n")


def sq_loss(y_true, y_prediction):
    for _ in range(300):
        os.write(1, b"raw fd1 in call " * 1000)
        os.write(2, b"raw fd2 in call " * 1000)
        sys.__stdout__.write("dunder stdout " * 100)
    return (y_true - y_prediction) ** 2
