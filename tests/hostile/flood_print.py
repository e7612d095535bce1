"""Prints megabytes (at import and in the function), then computes the right answer."""

import sys

for i in range(2000):
    print(f"import line {i} " + "x" * 1000)


def sq_loss(y_true, y_prediction):
    for i in range(2000):
        print(f"call line {i} " + "y" * 1000)
        print(f"error line {i} " + "z" * 1000, file=sys.stderr)
    return (y_true - y_prediction) ** 2
