"""Mistake: records the value recomputed after the update instead of the one the update used.
間違い: 更新に使った値ではなく、更新後に計算し直した値を記録している。
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
        value.backward()
        with torch.no_grad():
            x.sub_(lr * x.grad)
            x.grad.zero_()
        values.append(rosenbrock(x).item())
    return x, values
