"""rosenbrock: the reference reproduces the book's log (the catalogue's canonical values), and the trajectory's
judge names the part of the loop that the recorded values point to."""

from __future__ import annotations

import pytest
import torch

from conftest import checks_of, reference_path
from grader.bank.folder import load_module

rb = checks_of("rosenbrock")


@pytest.fixture(scope="module")
def reference():
    return load_module(reference_path("rosenbrock"), "test_rosenbrock_reference")


@pytest.mark.parametrize("point,value,gradient", [
    ((-1.0, 1.0), 4.0, (-4.0, 0.0)),
    ((0.0, 0.0), 1.0, (-2.0, 0.0)),
    ((2.0, 3.0), 6.0, (42.0, -10.0)),
    ((0.5, 0.5), 0.5625, (-3.5, 2.5)),
    ((1.0, 1.0), 0.0, (0.0, 0.0)),
])
def test_the_catalogues_test_points(reference, point, value, gradient):
    x = torch.tensor(point, dtype=torch.float64, requires_grad=True)
    result = reference.rosenbrock(x)
    result.backward()
    assert result.shape == () and result.item() == pytest.approx(value, abs=1e-12)
    assert x.grad.tolist() == pytest.approx(list(gradient), abs=1e-12)


def test_the_reference_reproduces_the_books_log(reference):
    x0, lr, n = rb.BOOK
    x, values = reference.minimize_rosenbrock(x0, lr, n)
    assert (x0, lr, n) == ((-1.0, 1.0), 0.01, 1000)
    assert len(values) == 1000 and values[0] == 4.0 and all(type(v) is float for v in values)
    # the book prints the value of iteration i (1-based) before its update: values[i - 1]
    assert values[99] == pytest.approx(0.3502924, rel=1e-6)
    assert values[199] == pytest.approx(0.07398106, rel=1e-6)
    assert values[999] == pytest.approx(6.962555e-05, rel=1e-6)
    assert x.dtype == torch.float32 and x.is_leaf and x.requires_grad
    assert x.tolist() == pytest.approx([0.99182177, 0.9830476], abs=1e-7)


def test_the_first_two_updates(reference):
    assert reference.minimize_rosenbrock((-1.0, 1.0), 0.01, 1)[0].tolist() == pytest.approx([-0.96, 1.0], abs=1e-7)
    assert reference.minimize_rosenbrock((-1.0, 1.0), 0.01, 2)[0].tolist() == pytest.approx([-0.9358528, 0.99216],
                                                                                          abs=1e-7)


def test_the_other_run_starts_from_ints_with_the_books_settings_changed():
    x0, lr, n = rb.OTHER
    assert all(type(v) is int for v in x0)  # torch.tensor(x0, requires_grad=True) fails on them
    assert lr != rb.BOOK[1] and n != rb.BOOK[2] and x0 != rb.BOOK[0]


def test_values_patterns_point_to_the_part_of_the_loop():
    ref = [4.0, 3.87, 3.81, 3.77, 3.74]
    assert rb.values_hint(ref, ref, rb.TRAJECTORY) is None
    assert rb.values_hint(ref, [4.0, 3.87, 3.81], rb.TRAJECTORY) == "hint.rosenbrock.count"
    assert rb.values_hint(ref, [3.87, 3.81, 3.77, 3.74, 3.71], rb.TRAJECTORY) == "hint.rosenbrock.after_update"
    assert rb.values_hint(ref, [1.0, 0.9, 0.8, 0.7, 0.6], rb.TRAJECTORY) == "hint.rosenbrock.start"
    assert rb.values_hint(ref, [4.0, 3.5, 3.2, 3.0, 2.9], rb.TRAJECTORY) == "hint.rosenbrock.first_update"
    assert rb.values_hint(ref, [4.0, 3.87, 3.77, 3.73, 3.63], rb.TRAJECTORY) == "hint.rosenbrock.accumulate"


def test_the_tolerance_takes_sgds_rounding_and_not_a_missing_reset(reference):
    """torch.optim.SGD (the book's C3) differs from the hand-written update by float32 rounding only."""
    x0, lr, n = rb.BOOK
    _, expected = reference.minimize_rosenbrock(x0, lr, n)
    x = torch.tensor(x0, requires_grad=True)
    optimizer = torch.optim.SGD([x], lr=lr)
    sgd = []
    for _ in range(n):
        optimizer.zero_grad()
        value = reference.rosenbrock(x)
        sgd.append(value.item())
        value.backward()
        optimizer.step()
    worst = max(abs(g - e) / (rb.TRAJECTORY.atol + rb.TRAJECTORY.rtol * abs(e)) for g, e in zip(sgd, expected))
    assert 0 < worst < 0.1  # they differ, and far inside the tolerance
