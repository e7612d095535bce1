"""The bank is sound: every reference full marks, every stub 0, every mutant caught, every alternate accepted.

Each file is graded through the public API, exactly as `grader validate` does, one test per
file so that one failure does not hide the rest.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ROOT, copy_bank
from grader import api, bank
from grader.engine import Conditions
from grader.results import CheckResult, ExerciseReport, Status
from grader.validate import Subject, Verdict, flaky, judge, rounds, subjects

SUBJECTS = subjects(bank.names())
HEAVY = {"cnn_classifier"}  # trains a network in its last check


def _param(subject: Subject):
    marks = [pytest.mark.slow] if subject.exercise in HEAVY and subject.role != "stub" else []
    return pytest.param(subject, id=f"{subject.exercise}-{subject.role}-{subject.name}", marks=marks)


@pytest.mark.parametrize("subject", [_param(s) for s in SUBJECTS])
def test_bank_file_gets_what_its_role_requires(subject: Subject):
    verdict = judge(subject, api.check(subject.exercise, file=subject.path))
    assert verdict.ok, "; ".join(verdict.problems)


@pytest.mark.parametrize("name", bank.names())
def test_every_exercise_has_enough_mutants_and_alternates(name: str):
    roles = [s.role for s in SUBJECTS if s.exercise == name]
    assert roles.count("mutant") >= 5
    assert roles.count("alternate") >= 3


def test_validate_fails_when_a_wrong_solution_poses_as_correct(run_grader, tmp_path: Path):
    # validate must be able to fail: a mutant dressed as an alternate is a violation.
    course = copy_bank(tmp_path, "sq_loss")
    mutant = ROOT / "exercises" / "sq_loss" / "mutants" / "mean_reduction.py"
    (course / "exercises" / "sq_loss" / "alternates" / "posing.py").write_text(mutant.read_text())
    result = run_grader("validate", "--bank", course)
    assert result.code == 1
    assert "VIOLATION" in result.stdout


def test_validate_passes_on_the_bank_of_one_exercise(run_grader):
    result = run_grader("validate", "sq_loss")
    assert result.code == 0, result.stdout
    assert "0 violations" in result.stdout


def _verdict(role: str, name: str, status: Status, margin: float | None) -> Verdict:
    check = CheckResult(id="values", title="values", status=status, score=float(status is Status.PASSED),
                        max_score=1.0, margin=margin)
    report = ExerciseReport(exercise="sq_loss", title="", file="", device="cpu", checks=[check])
    return Verdict(Subject("sq_loss", role, Path(f"{name}.py")), report, ())


def test_flaky_names_a_check_whose_verdict_or_margin_depends_on_the_round():
    first, second = rounds(2)
    assert first == Conditions() and second.seed != first.seed and second.torch_threads != first.torch_threads
    steady = [(first, [_verdict("alternate", "a", Status.PASSED, 0.1)]),
              (second, [_verdict("alternate", "a", Status.PASSED, 0.2)])]
    assert flaky(steady) == []
    changing = [(first, [_verdict("mutant", "m", Status.FAILED, None)]),
                (second, [_verdict("mutant", "m", Status.PASSED, 0.0)])]
    (found,) = flaky(changing)
    assert (found.exercise, found.check) == ("sq_loss", "values")
    assert "mutant m" in found.why and "lost points with seed 0, 1 thread" in found.why
    caught_twice = [(first, [_verdict("mutant", "m", Status.FAILED, None)]),
                    (second, [_verdict("mutant", "m", Status.TIMEOUT, None)])]
    assert flaky(caught_twice) == []
    close = [(first, [_verdict("reference", "r", Status.PASSED, 0.1)]),
             (second, [_verdict("reference", "r", Status.PASSED, 0.7)])]
    (found,) = flaky(close)
    assert "error 0.70 of the allowed (seed 1, 2 threads)" in found.why


def test_validate_repeat_reruns_over_seeds_and_threads(run_grader):
    result = run_grader("validate", "sq_loss", "--repeat", "2")
    assert result.code == 0, result.stdout[-2000:]
    assert "2 rounds over seeds and thread counts: no flaky check" in result.stdout
