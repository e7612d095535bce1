"""simple_graph: the exercise's canonical numbers, and what the grader says about typical mistakes."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

from grader import bank
from conftest import reference_path
from grader.bank.folder import load_module
from grader.probes import Run

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = ROOT / "exercises" / "simple_graph" / "mutants"


@pytest.fixture(scope="module")
def SimpleGraph():  # noqa: N802 - the class under test
    return load_module(reference_path("simple_graph"), "test_simple_graph_reference").SimpleGraph


def _point(cls, w, b, x, y):
    model = cls(w, b)
    prediction = model.forward(x)
    loss = ((y - prediction) ** 2).sum()
    loss.backward()
    return prediction, loss, model.w.grad, model.b.grad


def test_canonical_point(SimpleGraph):  # noqa: N803
    prediction, loss, w_grad, b_grad = _point(SimpleGraph, -0.5, 0.5, torch.tensor([1]), torch.tensor([7]))
    assert prediction.tolist() == [0.0] and prediction.dtype == torch.float32
    assert type(prediction.grad_fn).__name__ == "TanhBackward0"
    assert loss.item() == 49.0
    assert w_grad.tolist() == [-14.0] and b_grad.tolist() == [-14.0]


def test_second_point(SimpleGraph):  # noqa: N803
    prediction, loss, w_grad, b_grad = _point(SimpleGraph, 0.3, -0.2, torch.tensor([2.0]), torch.tensor([0.5]))
    assert prediction.item() == pytest.approx(0.3799490, abs=1e-6)
    assert loss.item() == pytest.approx(0.01441225, abs=1e-7)
    assert w_grad.item() == pytest.approx(-0.4108813, abs=1e-6)
    assert b_grad.item() == pytest.approx(-0.2054406, abs=1e-6)


def test_canonical_point_cannot_tell_tanh_from_its_argument():
    # Why the exercise's checks use other points: at z = 0, tanh(z) = z and tanh'(z) = 1.
    assert math.tanh(0.0) == 0.0
    z = torch.zeros(1, requires_grad=True)
    torch.tanh(z).backward()
    assert z.grad.item() == 1.0


def test_probes_keep_the_notebooks_dtypes(SimpleGraph):  # noqa: N803
    exercise = bank.get("simple_graph")
    observed = exercise.check("prediction").probe(Run({"SimpleGraph": SimpleGraph}, student=False))
    first = next(iter(observed.values()))
    assert first.dtype == torch.float32 and first.shape == (1,)
    assert [tuple(v.shape) for v in observed.values()] == [(1,), (1,), (6,)]






@pytest.mark.parametrize(("mutant", "check", "words"), [
    ("no_tanh.py", "values", "0.379949"),
    ("math_tanh.py", "prediction", "got float"),
    ("recreates_w.py", "canonical", "no gradient reached self.w"),
    ("returns_loss.py", "canonical", "49"),
    # integer x away from the canonical point, and w, b with more than one decimal (both got 5 / 5 before)
    ("int_skips_tanh.py", "values", "forward(torch.tensor([2]))"),
    ("rounds_w_b.py", "values", "SimpleGraph(-1.23456, 0.65432)"),
])
def test_mutant_feedback_points_at_the_mistake(run_grader, mutant, check, words):
    done = run_grader("check", "simple_graph", "--file", MUTANTS / mutant, "--json")
    assert done.code == 1
    test = next(t for t in done.json["tests"] if t["id"] == check)
    assert test["status"] != "passed"
    assert words in test["message"]
