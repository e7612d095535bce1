"""Mistake: makes the leaf with torch.tensor(x0, requires_grad=True), which fails for an integer start such as (2, 3).
間違い: torch.tensor(x0, requires_grad=True) で葉テンソルを作っているので、(2, 3) のような整数の初期値では失敗する。
Caught by: other_run."""

import torch


def rosenbrock(x, a=1.0, b=5.0):
    """(a - x1)² + b·(x2 - x1²)², a 0-d tensor."""
    x1, x2 = x[0], x[1]
    return (a - x1) ** 2 + b * (x2 - x1 ** 2) ** 2


def minimize_rosenbrock(x0, lr, num_iterations):
    """Gradient descent by hand from x0; returns the last x and the value before each update."""
    x = torch.tensor(x0, requires_grad=True)
    values = []
    for i in range(num_iterations):
        value = rosenbrock(x)
        values.append(value.item())
        value.backward()
        with torch.no_grad():
            x.sub_(lr * x.grad)
            x.grad.zero_()
    return x, values
