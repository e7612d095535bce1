"""Correct: the book's promised follow-up (C3), torch.optim.SGD on [x] with zero_grad, backward, step: the same
trajectory up to float32 rounding (SGD adds the gradient with alpha=-lr instead of subtracting lr * grad)."""

import torch


def rosenbrock(x, a=1.0, b=5.0):
    return (a - x[0]) ** 2 + b * (x[1] - x[0] ** 2) ** 2


def minimize_rosenbrock(x0, lr, num_iterations):
    x = torch.tensor([float(v) for v in x0], requires_grad=True)
    optimizer = torch.optim.SGD([x], lr=lr)
    values = []
    for _ in range(num_iterations):
        optimizer.zero_grad()
        value = rosenbrock(x)
        value.backward()
        optimizer.step()
        values.append(value.item())
    return x, values
