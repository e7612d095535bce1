"""Mistake: never resets x.grad, so each backward() adds the new gradient to the old ones.
間違い: x.grad をリセットしないので、backward() のたびに新しい勾配が古い勾配に足される。
Caught by: trajectory, other_run."""

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
            x.sub_(lr * x.grad)
    return x, values
