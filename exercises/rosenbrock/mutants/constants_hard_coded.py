"""Mistake: writes the book's numbers 1 and 5 into the formula instead of using the arguments a and b.
間違い: 引数 a と b を使わず、本の数値 1 と 5 を式に書き込んでいる。
Caught by: parameters."""

import torch


def rosenbrock(x, a=1.0, b=5.0):
    """(a - x1)² + b·(x2 - x1²)², a 0-d tensor."""
    x1, x2 = x[0], x[1]
    return (1 - x1) ** 2 + 5 * (x2 - x1 ** 2) ** 2


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
