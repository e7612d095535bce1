"""broadcast_distances: the exercise's shapes, the cdist and loop detectors, and the feedback on mistakes."""

from __future__ import annotations

import string
import sys
from pathlib import Path

import pytest
import torch

from conftest import checks_of, reference_path
from grader.bank.folder import load_module
from grader.i18n import en, ja, text
from grader import keys, static
from grader.probes import Run
from grader.spec import Seen

bd = checks_of("broadcast_distances")

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = ROOT / "exercises" / "broadcast_distances" / "mutants"


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
    """The worker's own counts at two sizes, judged (they can only fail the check)."""
    run = Run({"pairwise_distances": fn, "__file__": __file__})
    facts = bd._pairwise_work(run)
    from grader.sandbox.protocol import roundtrip

    observed = roundtrip(facts)
    return facts, bd._counted_verdict(observed, observed)


def _seen(source: str, cpu: float | None, reference_cpu: float | None = 0.005) -> Seen:
    return Seen(reading=static.read_text(source), cpu=cpu, reference_cpu=reference_cpu)


ROW_LOOP = "import torch\ndef pairwise_distances(x, y):\n    return torch.stack([((r - y) ** 2).sum(-1) for r in x])\n"
BROADCAST = "def pairwise_distances(x, y):\n    return ((x[:, None] - y[None]) ** 2).sum(-1).sqrt()\n"


def _vectorised(seen: Seen):
    run = Run({"pairwise_distances": _broadcast, "__file__": __file__}, student=False)
    from grader.sandbox.protocol import roundtrip

    observed = roundtrip(bd._pairwise_work(run))
    return bd._judge_vectorised(observed, observed, observed, seen).mismatch


def test_the_grader_measured_cpu_time_decides_vectorised():
    assert _vectorised(_seen(BROADCAST, cpu=0.006)) is None
    assert _vectorised(_seen(ROW_LOOP, cpu=0.010)) is None  # a loop that costs nothing (over the features, say)
    slow = _vectorised(_seen(ROW_LOOP, cpu=0.250))
    assert slow.summary[0] == "broadcast_distances.slow"
    assert slow.where[0] == "broadcast_distances.loops_at"
    assert keys.said(slow.where[1]["loops"], "en") == "a comprehension (line 3)"
    assert keys.said(slow.where[1]["loops"], "ja") == "内包表記（3 行目）"
    assert _vectorised(_seen(BROADCAST, cpu=0.250)).summary[0] == "broadcast_distances.slow"


def test_without_a_measurement_only_loop_free_code_passes():
    assert _vectorised(_seen(BROADCAST, cpu=None)) is None
    assert _vectorised(_seen(ROW_LOOP, cpu=None)).summary[0] == "broadcast_distances.unmeasured"


def test_opaque_code_loses_vectorised_whatever_its_time():
    mismatch = _vectorised(_seen("import sys\n" + BROADCAST + "sys.settrace(None)\n", cpu=0.001))
    assert mismatch.summary == ("static.opaque", {"construct": "sys.settrace", "line": 4})


def test_no_cdist_is_decided_by_the_source_and_the_record_can_only_fail_it():
    from grader.sandbox.protocol import observe

    clean = {bd.FORBIDDEN_KEY: observe([])}
    assert bd._judge_forbidden({}, {}, clean, _seen(BROADCAST, None)).mismatch is None
    cdist = "import torch\ndef pairwise_distances(x, y):\n    return torch.cdist(x, y)\n"
    assert bd._judge_forbidden({}, {}, clean, _seen(cdist, None)).mismatch.summary[0] == "static.forbidden"
    recorded = {bd.FORBIDDEN_KEY: observe(["torch.cdist"])}
    assert bd._judge_forbidden({}, {}, recorded, _seen(BROADCAST, None)).mismatch.summary[0] == "forbidden"


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


def _line(mutant: str, needle: str) -> int:
    """The line of a mutant that holds `needle` (its docstring's length may change)."""
    lines = (MUTANTS / f"{mutant}.py").read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


def _report(run_grader, mutant: str, *extra: str):
    result = run_grader("check", "broadcast_distances", "--file", MUTANTS / f"{mutant}.py", "--json", *extra)
    assert result.code == 1
    return {t["id"]: t for t in result.json["tests"]}


def test_a_row_loop_loses_only_the_vectorised_point_and_is_told_why(run_grader):
    tests = _report(run_grader, "row_loop")
    assert [k for k, t in tests.items() if t["status"] != "passed"] == ["vectorised"]
    assert "grows with the number of rows" in tests["vectorised"]["message"]
    assert f"a comprehension (line {_line('row_loop', ' for ')})" in tests["vectorised"]["message"]
    assert tests["vectorised"]["hint"] == text("hint.broadcast_distances.vectorise")


def test_cdist_loses_only_its_point(run_grader):
    tests = _report(run_grader, "cdist")
    assert [k for k, t in tests.items() if t["status"] != "passed"] == ["no_cdist"]
    assert f"line {_line('cdist', 'cdist(')} uses torch.cdist" in tests["no_cdist"]["message"]


def test_a_mean_over_one_pixel_axis_gets_this_exercises_hint(run_grader):
    tests = _report(run_grader, "mean_last_dim_only")
    assert "expected shape ()" in tests["mnist_shape"]["message"]
    assert "got shape (28,)" in tests["mnist_shape"]["message"]
    assert tests["mnist_shape"]["hint"] == text("hint.broadcast_distances.last_two_dims")


def test_feedback_in_japanese(run_grader):
    tests = _report(run_grader, "row_loop", "--lang", "ja")
    assert "ループ" in tests["vectorised"]["message"]
    assert tests["vectorised"]["hint"] == text("hint.broadcast_distances.vectorise", "ja")
