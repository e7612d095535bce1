"""broadcast_distances: the exercise's shapes, the cdist and loop detectors, and the feedback on mistakes."""

from __future__ import annotations

import string
import sys
from pathlib import Path

import pytest
import torch

from grader.bank import broadcast_distances as bd
from grader.files import load_module, reference_path
from grader.i18n import en, ja, text
from grader.probes import Run

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = ROOT / "reference_solutions" / "mutants" / "broadcast_distances"


@pytest.fixture(scope="module")
def reference():
    return load_module(reference_path("broadcast_distances"), "test_broadcast_distances_reference")


def test_mnist_distance_shapes_of_the_book(reference):
    image, stack = torch.rand(28, 28), torch.rand(5, 28, 28)
    assert reference.mnist_distance(image, image).shape == ()
    assert reference.mnist_distance(stack, image).shape == (5,)
    assert reference.mnist_distance(image, stack).shape == (5,)
    assert reference.mnist_distance(torch.rand(2, 3, 28, 28), image).shape == (2, 3)
    assert torch.equal(reference.mnist_distance(stack, image), reference.mnist_distance(image, stack))


def test_pairwise_distances_docstring_example(reference):
    x = torch.tensor([[0.0, 0.0], [3.0, 4.0]])
    y = torch.tensor([[0.0, 0.0], [6.0, 8.0], [3.0, 0.0]])
    assert reference.pairwise_distances(x, y).tolist() == [[0.0, 10.0, 3.0], [5.0, 5.0, 4.0]]


def test_pairwise_cases_have_no_close_rows_so_the_expansion_trick_is_accurate():
    run = Run({}, upcast=True)
    for x_spec, y_spec in bd.PAIRWISE_CASES:
        x, y = run.make(x_spec), run.make(y_spec)
        assert x.shape[0] != y.shape[0]
        assert float(((x[:, None] - y[None]) ** 2).sum(-1).sqrt().min()) > 0.5


@pytest.mark.parametrize("call", [
    lambda x, y: torch.cdist(x, y),
    lambda x, y: torch._C._VariableFunctions.cdist(x, y),
    lambda x, y: torch.ops.aten._cdist_forward(x, y, 2.0, None),
    lambda x, y: torch.ops.aten.cdist(x, y),
])
def test_every_spelling_of_cdist_is_seen(call):
    run = Run({})
    x, y = torch.randn(4, 3), torch.randn(5, 3)
    with bd._LineCounter({__file__}) as counter:
        run.call(call, x, y)
    assert bd._forbidden(run, counter) == ["torch.cdist"]


def test_broadcasting_norms_are_not_forbidden():
    run = Run({})
    x, y = torch.randn(4, 3), torch.randn(5, 3)
    with bd._LineCounter({__file__}) as counter:
        run.call(lambda a, b: torch.linalg.norm(a[:, None] - b[None], dim=-1), x, y)
        run.call(lambda a, b: torch.nn.functional.pairwise_distance(a[:, None], b[None]), x, y)
    assert bd._forbidden(run, counter) == []


def _python_loops(x, y):
    xs, ys = x.tolist(), y.tolist()
    return torch.tensor([[sum((p - q) ** 2 for p, q in zip(u, v)) ** 0.5 for v in ys] for u in xs])


def _row_loop(x, y):
    return torch.stack([((row - y) ** 2).sum(-1).sqrt() for row in x])


def _broadcast(x, y):
    return ((x[:, None, :] - y[None, :, :]) ** 2).sum(-1).sqrt()


def _work_verdict(fn):
    run = Run({"pairwise_distances": fn, "__file__": __file__})
    facts = bd._pairwise_work(run)
    from grader.sandbox.protocol import roundtrip

    observed = roundtrip(facts)
    return facts, bd._judge_vectorised(observed, observed, observed)


def test_a_loop_in_plain_python_is_seen_by_the_line_count():
    facts, verdict = _work_verdict(_python_loops)
    assert facts["small: torch operations"] == facts["big: torch operations"]  # invisible to run.ops
    assert facts["big: lines of Python"] > 10 * facts["small: lines of Python"]
    assert verdict.mismatch is not None and verdict.mismatch.summary[0] == "broadcast_distances.loop"


def test_a_loop_over_rows_is_seen_by_the_op_count():
    facts, verdict = _work_verdict(_row_loop)
    assert facts["big: torch operations"] > 5 * facts["small: torch operations"]
    assert verdict.mismatch is not None


def test_broadcasting_does_the_same_work_at_both_sizes():
    facts, verdict = _work_verdict(_broadcast)
    assert facts["small: torch operations"] == facts["big: torch operations"]
    assert facts["small: lines of Python"] == facts["big: lines of Python"]
    assert verdict.mismatch is None


def test_the_line_counter_puts_back_the_previous_trace_function():
    previous = sys.gettrace()
    with bd._LineCounter({__file__}):
        pass
    assert sys.gettrace() is previous


def _ids(messages: dict[str, str]) -> set[str]:
    return {k for k in messages if k.startswith(("broadcast_distances.", "hint.broadcast_distances."))}




def _report(run_grader, mutant: str, *extra: str):
    result = run_grader("check", "broadcast_distances", "--file", MUTANTS / f"{mutant}.py", "--json", *extra)
    assert result.code == 1
    return {t["id"]: t for t in result.json["tests"]}


def test_a_row_loop_loses_only_the_vectorised_point_and_is_told_why(run_grader):
    tests = _report(run_grader, "row_loop")
    assert [k for k, t in tests.items() if t["status"] != "passed"] == ["vectorised"]
    assert "loops over the rows" in tests["vectorised"]["message"]
    assert "N = 8, M = 6" in tests["vectorised"]["message"]
    assert tests["vectorised"]["hint"] == text("hint.broadcast_distances.vectorise")


def test_cdist_loses_only_its_point(run_grader):
    tests = _report(run_grader, "cdist")
    assert [k for k, t in tests.items() if t["status"] != "passed"] == ["no_cdist"]
    assert "uses torch.cdist" in tests["no_cdist"]["message"]


def test_a_mean_over_one_pixel_axis_gets_this_exercises_hint(run_grader):
    tests = _report(run_grader, "mean_last_dim_only")
    assert "expected shape ()" in tests["mnist_shape"]["message"]
    assert "got shape (28,)" in tests["mnist_shape"]["message"]
    assert tests["mnist_shape"]["hint"] == text("hint.broadcast_distances.last_two_dims")


def test_feedback_in_japanese(run_grader):
    tests = _report(run_grader, "row_loop", "--lang", "ja")
    assert "ループ" in tests["vectorised"]["message"]
    assert tests["vectorised"]["hint"] == text("hint.broadcast_distances.vectorise", "ja")
