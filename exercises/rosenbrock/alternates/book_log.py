"""Correct: the book's loop as printed (1-based iteration counter, a progress line every 100 iterations, the
update and the reset inside one no_grad block), with the constants a and b passed through by keyword."""

import torch


def rosenbrock(x, a=1.0, b=5.0):
    x1 = x[0]
    x2 = x[1]
    return (a - x1) ** 2 + b * (x2 - x1 ** 2) ** 2


def minimize_rosenbrock(x0, lr, num_iterations):
    x = torch.tensor(x0, dtype=torch.float, requires_grad=True)
    values = []
    for i in range(1, num_iterations + 1):
        value = rosenbrock(x, a=1.0, b=5.0)
        values.append(value.item())
        if i % 100 == 0:
            print("Iteration: ", i, "Value is: ", value.item())
        value.backward()
        if i % 100 == 0:
            print("Gradient is: ", x.grad.numpy())
        with torch.no_grad():
            x.sub_(lr * x.grad)
            x.grad.zero_()
    return x, values
