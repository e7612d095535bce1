"""Correct: torch.autograd.grad returns the gradient instead of accumulating it in x.grad, so there is nothing to
reset; x is unpacked into x1, x2 and squared with torch.square."""

import torch


def rosenbrock(x, a=1.0, b=5.0):
    x1, x2 = x
    return torch.square(a - x1) + b * torch.square(x2 - torch.square(x1))


def minimize_rosenbrock(x0, lr, num_iterations):
    x = torch.as_tensor(x0, dtype=torch.float32).clone().requires_grad_(True)
    values = []
    while len(values) < num_iterations:
        value = rosenbrock(x)
        (gradient,) = torch.autograd.grad(value, x)
        values.append(float(value))
        with torch.no_grad():
            x -= lr * gradient
    return x, values
