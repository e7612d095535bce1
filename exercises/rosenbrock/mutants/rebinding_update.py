"""Mistake: rebinds x = x - lr * x.grad instead of updating it in place, so the new x no longer requires grad.
間違い: x をその場で更新せず x = x - lr * x.grad と作り直しているので、新しい x はもう勾配を必要としない。
Caught by: returns."""

import torch


def rosenbrock(x, a=1.0, b=5.0):
    """(a - x1)² + b·(x2 - x1²)², a 0-d tensor."""
    x1, x2 = x[0], x[1]
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
            x = x - lr * x.grad
    return x, values
