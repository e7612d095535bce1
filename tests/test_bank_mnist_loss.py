"""mnist_loss and batch_accuracy: the chapter's numbers, and the probes' inputs that tell mistakes apart."""

from __future__ import annotations

import pytest
import torch

from conftest import checks_of, reference_path
from grader import bank
from grader.bank.folder import load_module
from grader.probes import Run

BOOK_LABELS, BOOK_LOGITS = checks_of("batch_accuracy").BOOK_LABELS, checks_of("batch_accuracy").BOOK_LOGITS


@pytest.fixture(scope="module")
def mnist_loss():
    return load_module(reference_path("mnist_loss"), "test_mnist_loss_reference").mnist_loss


@pytest.fixture(scope="module")
def batch_accuracy():
    return load_module(reference_path("batch_accuracy"), "test_batch_accuracy_reference").batch_accuracy


def test_the_chapters_toy_values_with_the_sigmoid(mnist_loss):
    loss = mnist_loss(torch.tensor([0.9, 0.4, 0.2]), torch.tensor([1, 0, 1]))
    assert loss.shape == () and loss.item() == pytest.approx(0.44597, abs=1e-5)


def test_gradient_is_minus_or_plus_the_sigmoids_slope_over_n(mnist_loss):
    logits = torch.tensor([[-1.0], [0.5], [2.0], [0.0]], requires_grad=True)
    targets = torch.tensor([[1], [0], [1], [0]])
    mnist_loss(logits, targets).backward()
    s = torch.sigmoid(logits.detach())
    sign = torch.where(targets == 1, -1.0, 1.0)
    assert torch.allclose(logits.grad, sign * s * (1 - s) / 4)


def test_book_case_accuracy_and_what_forgetting_the_sigmoid_gives(batch_accuracy):
    run = Run({}, student=False)
    xb, yb = run.make(BOOK_LOGITS), run.make(BOOK_LABELS)
    assert batch_accuracy(xb, yb).item() == 0.875
    assert ((xb > 0.5) == yb).float().mean().item() == 0.75  # the no_sigmoid mutant's answer
    assert not bool((xb == 0).any())  # no tie at sigmoid(0) = 0.5, where conventions differ


def test_accuracy_is_a_zero_d_float32_tensor(batch_accuracy):
    result = batch_accuracy(torch.tensor([[2.0], [-1.0]]), torch.tensor([[1], [1]]))
    assert type(result) is torch.Tensor and result.shape == () and result.dtype == torch.float32
    assert result.item() == 0.5


@pytest.mark.parametrize("name", ["mnist_distance", "mnist_loss", "batch_accuracy"])
def test_fastbook_exercises_are_in_the_fastbook_assignment(name):
    assert name in bank.assignment("fastbook_ch4")[1].exercises
    assert bank.get(name).name == name
