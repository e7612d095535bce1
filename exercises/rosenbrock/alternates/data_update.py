"""Correct: the update on x.data (not recorded by autograd, as under no_grad) and the gradient reset by
setting x.grad to None, as zero_grad() does since PyTorch 2.0; the formula written with pow and indexing."""

import torch


def rosenbrock(x, a=1.0, b=5.0):
    return (a - x[0]).pow(2) + b * (x[1] - x[0].pow(2)).pow(2)


def minimize_rosenbrock(x0, lr, num_iterations):
    x = torch.tensor(x0, dtype=torch.float32)
    x.requires_grad = True
    values = []
    for i in range(1, num_iterations + 1):
        value = rosenbrock(x)
        values.append(value.item())
        value.backward()
        x.data -= lr * x.grad.data
        x.grad = None
    return x, values
