"""The bank is sound: every reference full marks, every stub 0, every mutant caught, every alternate accepted.

Each file is graded once, through the public API exactly as `grader validate` does, one test per file so
that one failure does not hide the rest; the same report then answers every question asked of that file:
- its role's verdict (`grader.validate.judge`);
- for a mutant that can be named, the known mistake it names (tests/test_mistakes.py: `mistake_problems`, and
  the mutants that cannot be named, and why);
- the same report rendered in Japanese has no English sentence (tests/test_japanese.py: `japanese_leaks`;
  a report renders from data, so no second grading);
- the file graded from the pack of the built-in bank gets the same facts (the one second grading: the
  references come from the pack's data there).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import ROOT, copy_bank, pack_facts
from grader import api, bank, engine, pack, submission
from grader.bank.config import CONFIG
from grader.engine import Conditions
from grader.results import CheckResult, ExerciseReport, Status
from grader.validate import Subject, Verdict, builtin_pack, flaky, judge, rounds, subjects
from test_japanese import japanese_leaks
from test_mistakes import TOLD, mistake_problems

SUBJECTS = subjects(bank.names())
HEAVY = {"cnn_classifier"}  # trains a network in its last check


def _param(subject: Subject):
    marks = [pytest.mark.slow] if subject.exercise in HEAVY and subject.role != "stub" else []
    return pytest.param(subject, id=f"{subject.exercise}-{subject.role}-{subject.name}", marks=marks)


def _wheels_pack(folder: Path) -> Path | None:
    """The built-in bank's committed pack as the wheel carries it, laid out in `folder`: its pack.json, the bank's
    config, and the files pyproject.toml's package-data takes from exercises/ (no solution, mutant or alternate);
    None where there is none (a bank without its own pack)."""
    import shutil
    import tomllib

    own = builtin_pack()
    if own is None:
        return None
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["package-data"]
    root = folder / "builtin_pack"
    (root / "exercises").mkdir(parents=True)
    shutil.copy2(own / pack.MARK, root / pack.MARK)
    shutil.copy2(bank.builtin_root() / CONFIG, root / CONFIG)
    source = pack.exercises_folder(own)
    for path in {p for glob in data["grader.builtin_pack.exercises"] for p in source.glob(glob)}:
        (root / "exercises" / path.relative_to(source)).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, root / "exercises" / path.relative_to(source))
    return root


@pytest.fixture(scope="module")
def pack_of(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """The pack to grade an exercise from: the built-in bank's committed pack (as the wheel carries it) where it
    holds what the reference computes now (`grader.pack.stale`), else a pack of that exercise made now (the
    committed one is regenerated at the end of a change: a stale one is `grader validate`'s to report)."""
    committed = builtin_pack()
    wheels = _wheels_pack(tmp_path_factory.mktemp("wheel"))
    made: dict[str, Path] = {}

    def of(name: str) -> Path:
        if name not in made:
            if committed is not None and wheels is not None and not pack.stale(committed, [name])[name]:
                made[name] = wheels
            else:
                made[name] = tmp_path_factory.mktemp("packs") / f"made_{name}"
                pack.build([f"builtin:{name}"], made[name])
        return made[name]

    return of


def _from_pack(subject: Subject, root: Path) -> ExerciseReport:
    """`subject`'s file graded from the pack at `root` (a bank beside the built-in one, for this grading only)."""
    bank.use([root])
    try:
        packed = next(b.name for b in bank.banks() if b.root == root.resolve())
        ref = f"{packed}:{subject.exercise}"
        with submission.prepared(subject.path, ref) as source:
            return engine.grade(bank.get(ref), source)
    finally:
        bank.use([])


def _unlike_pack(live: ExerciseReport, frozen: ExerciseReport) -> list[str]:
    """Where the report graded from a pack differs from the live one: a visible check's facts, or the hidden
    checks it says are graded later."""
    visible = [c for c in live.checks if not c.hidden]
    problems = [f"from the pack, check {a[0]}: {b} instead of the live {a}"
                for a, b in zip(pack_facts(visible), pack_facts(frozen.checks)) if a != b]
    if [c.id for c in visible] != [c.id for c in frozen.checks]:
        problems.append(f"from the pack, checks {[c.id for c in frozen.checks]} instead of {[c.id for c in visible]}")
    hidden = [(c.title, c.max_score) for c in live.checks if c.hidden]
    if frozen.hidden_later != hidden:
        problems.append(f"from the pack, hidden checks graded later {frozen.hidden_later} instead of {hidden}")
    return problems


@pytest.mark.parametrize("subject", [_param(s) for s in SUBJECTS])
def test_bank_file_gets_what_its_role_requires(subject: Subject, pack_of: Callable[[str], Path]):
    report = api.check(subject.exercise, file=subject.path)
    problems = list(judge(subject, report).problems)
    if (subject.exercise, subject.name) in TOLD and subject.role == "mutant":
        problems += mistake_problems(subject.exercise, subject.name, report)
    problems += japanese_leaks(f"{subject.role} {subject.name}, --lang ja", report)
    problems += _unlike_pack(report, _from_pack(subject, pack_of(subject.exercise)))
    assert not problems, "\n".join(problems)


def test_every_file_of_every_exercise_is_graded_above():
    """The per-file test covers the whole bank: every exercise, each with its reference, stub, mutants and
    alternates (so every one is checked in Japanese, from the pack, and each told mutant for its mistake)."""
    assert sorted({s.exercise for s in SUBJECTS}) == sorted(bank.names()) and len(bank.names()) >= 15
    assert len(SUBJECTS) > 250
    told = {(s.exercise, s.name) for s in SUBJECTS if s.role == "mutant"}
    assert set(TOLD) <= told and len(TOLD) > 40


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
