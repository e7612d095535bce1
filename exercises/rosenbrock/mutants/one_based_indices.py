"""Mistake: takes x1 and x2 as x[1] and x[2], as in R, which counts from 1.
間違い: R のように 1 から数えて、x1 と x2 を x[1] と x[2] としている。
Caught by: values."""

import torch


def rosenbrock(x, a=1.0, b=5.0):
    """(a - x1)² + b·(x2 - x1²)², a 0-d tensor."""
    x1, x2 = x[1], x[2]
    return (a - x1) ** 2 + b * (x2 - x1 ** 2) ** 2


def minimize_rosenbrock(x0, lr, num_iterations):
    """Gradient descent by hand from x0; returns the last x and the value before each update."""
    x = torch.tensor(x0, dtype=torch.float32, requires_grad=True)
    values = []
    for i in range(num_iterations):
        value = rosenbrock(x)
        values.append(value.item())
        value.backward()
        with torch.no_grad():
            x.sub_(lr * x.grad)
            x.grad.zero_()
    return x, values
