"""CI for the bank: references get full marks, stubs 0, mutants lose points, alternates full marks."""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from grader import bank, files
from grader.results import ExerciseReport, Status

CAUGHT_BY = re.compile(r"Caught by:\s*([a-z0-9_]+(?:\s*,\s*[a-z0-9_]+)*)")


@dataclass(frozen=True)
class Subject:
    """One file graded by `validate`, and what it must get."""

    exercise: str
    role: str  # reference | stub | mutant | alternate
    path: Path
    caught_by: tuple[str, ...] = ()  # for a mutant: the checks that must fail

    @property
    def name(self) -> str:
        return self.path.stem


@dataclass(frozen=True)
class Verdict:
    subject: Subject
    report: ExerciseReport
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def subjects(exercises: list[str], alternates_dir: Path | None) -> list[Subject]:
    """Every file to validate for these exercises."""
    out: list[Subject] = []
    for name in exercises:
        out.append(Subject(name, "reference", files.reference_path(name)))
        out.append(Subject(name, "stub", files.stub_path(name)))
        for path in files.mutant_paths(name):
            out.append(Subject(name, "mutant", path, caught_by=caught_by(path)))
        if alternates_dir is not None:
            for path in sorted((alternates_dir / name).glob("*.py")):
                out.append(Subject(name, "alternate", path))
    return out


def caught_by(path: Path) -> tuple[str, ...]:
    match = CAUGHT_BY.search(path.read_text(encoding="utf-8"))
    return tuple(part.strip() for part in match.group(1).split(",")) if match else ()


def judge(subject: Subject, report: ExerciseReport) -> Verdict:
    """What is wrong with this report, given the subject's role."""
    problems: list[str] = []
    failed = {c.id for c in report.checks if c.status is not Status.PASSED}
    if subject.role in ("reference", "alternate") and failed:
        problems.append(f"{subject.role} lost points in {sorted(failed)}")
    elif subject.role == "stub":
        if report.score != 0:
            problems.append(f"stub scored {report.score:g}")
        ran = [c for c in report.checks if c.status is not Status.SKIPPED]
        if not ran or any(c.feedback is None or c.feedback.summary[0] != "not_implemented" for c in ran):
            problems.append("stub checks do not all say 'not implemented yet'")
    elif subject.role == "mutant":
        if report.score >= report.max_score:
            problems.append("mutant got full marks")
        if not subject.caught_by:
            problems.append("mutant docstring names no 'Caught by:' check")
        known = {c.id for c in report.checks}
        for check_id in subject.caught_by:
            if check_id not in known:
                problems.append(f"docstring names unknown check '{check_id}'")
            elif check_id not in failed:
                problems.append(f"check '{check_id}' did not catch it")
    return Verdict(subject, report, tuple(problems))


def validate(exercises: list[str] | None = None, *, alternates_dir: Path | None = None,
             workers: int | None = None) -> list[Verdict]:
    """Grade every subject (in parallel) and judge each report."""
    from grader.api import check
    from grader.sandbox import runner

    runner.warm_up()
    names = exercises or list(bank.NAMES)
    for name in names:
        bank.get(name)  # unknown names fail before any work
    todo = subjects(names, alternates_dir)

    def run(subject: Subject) -> Verdict:
        return judge(subject, check(subject.exercise, file=subject.path))

    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 2) as pool:
        return list(pool.map(run, todo))


def default_alternates_dir() -> Path | None:
    """tests/alternates of a source checkout, when there is one."""
    folder = files.reference_path("sq_loss").parent.parent / "tests" / "alternates"
    return folder if folder.is_dir() else None
