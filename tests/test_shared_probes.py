"""Checks that use the same probe share one run of it: once per submission in the worker, once per side
for the reference; each check still judges its observations, and a check whose prerequisite failed is
still skipped."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT

import grader
from grader import bank, engine
from grader.results import Status
from grader.sandbox import runner


@pytest.fixture
def submitted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The probe numbers the grader sends to the worker."""
    sent: list[int] = []
    submit = runner.Sandbox.submit

    def spy(self: runner.Sandbox, probe: int) -> None:
        sent.append(probe)
        submit(self, probe)

    monkeypatch.setattr(runner.Sandbox, "submit", spy)
    return sent


def test_sq_loss_shape_and_values_share_one_run(submitted: list[int]):
    report = grader.check("sq_loss", file=ROOT / "reference_solutions" / "sq_loss.py")
    assert report.score == report.max_score
    checks = [c.id for c in bank.get("sq_loss").checks]
    assert checks[:2] == ["shape", "values"]
    assert submitted == [0] + list(range(2, len(checks)))  # `values` judged on `shape`'s run
    assert report.checks[1].duration == 0.0 < report.checks[0].duration  # its time counted once


def test_train_loop_trains_once_for_its_three_checks(submitted: list[int]):
    report = grader.check("train_loop", file=ROOT / "reference_solutions" / "train_loop.py")
    assert report.score == report.max_score
    exercise = bank.get("train_loop")
    assert len(submitted) == len({engine.shared_probe(exercise, i) for i in range(len(exercise.checks))}) < 4


def test_a_shared_run_is_judged_by_each_check_and_needs_still_skip(submitted: list[int], tmp_path: Path):
    path = tmp_path / "sq_loss.py"
    path.write_text("def sq_loss(y_true, y_prediction):\n    return ((y_true - y_prediction) ** 2).mean()\n")
    report = grader.check("sq_loss", file=path)
    shape, values = report.checks[0], report.checks[1]
    assert shape.status is Status.FAILED and values.status is Status.SKIPPED
    assert 1 not in submitted


def test_the_reference_runs_each_probe_once():
    ref = bank.get("sq_loss").ref
    assert engine.reference(ref, 0, "cpu") is engine.reference(ref, 1, "cpu")  # shape, values: one run
    assert engine.reference(ref, 0, "cpu") is not engine.reference(ref, 2, "cpu")  # grad: its own probe
