"""pytest in a course's bank: `grader validate` as test items, one per exercise × file, for CI dashboards.

In a repository with `torchgrader.toml` at its root (pytest's rootdir), or named on the command line or in
`testpaths`, `pytest` collects one item per file `grader validate` grades:

    torchgrader.toml::sq_loss::reference
    torchgrader.toml::sq_loss::stub
    torchgrader.toml::sq_loss::mutant::mean_reduction
    torchgrader.toml::sq_loss::alternate::swapped_args

An item fails with what `grader validate` says is wrong and the failed checks' messages, never the grader's
traceback. A `torchgrader.toml` elsewhere (the built-in bank, when `testpaths` names other folders) adds
nothing. Registered through the `pytest11` entry point; this module imports no torch until an item runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from grader.bank.config import CONFIG

if TYPE_CHECKING:
    from grader.validate import Subject, Verdict


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """A bank's config at the rootdir, or one named on the command line or in testpaths."""
    if file_path.name != CONFIG:
        return None
    if file_path.parent != parent.config.rootpath and not parent.session.isinitpath(file_path):
        return None
    return BankFile.from_parent(parent, path=file_path)


class BankFile(pytest.File):
    """torchgrader.toml: the bank's exercises, each file `grader validate` grades an item."""

    def collect(self) -> Iterator[pytest.Item]:
        from grader import bank
        from grader.bank.folder import Bank
        from grader.validate import subjects

        found = Bank.open(self.path.parent, "pytest")
        if found.problem is not None:
            raise BankProblem(found.problem)
        bank.use([found.root])
        for name in found.exercise_names():
            ref = f"{found.name}:{name}"
            try:
                todo = subjects([ref])
            except Exception as exc:  # noqa: BLE001 - the author's bank: say what is wrong, as one item
                yield BrokenExercise.from_parent(self, name=name, problem=f"{type(exc).__name__}: {exc}")
                continue
            for subject in todo:
                parts = [name, subject.role] + ([subject.name] if subject.role in ("mutant", "alternate") else [])
                yield ValidationItem.from_parent(self, name="::".join(parts), subject=subject)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, BankProblem):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))


class BankProblem(Exception):
    """The bank cannot be read (its config); the message names the file and what to do."""


class Violation(Exception):
    """What `grader validate` found wrong with one file."""


class ValidationItem(pytest.Item):
    """One file of one exercise graded as `grader validate` grades it, and judged for its role."""

    def __init__(self, *, subject: Subject, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.subject = subject

    def runtest(self) -> None:
        from grader import bank, engine, submission
        from grader.validate import judge

        with submission.prepared(self.subject.path, self.subject.exercise) as source:
            report = engine.grade(bank.get(self.subject.exercise), source)
        verdict = judge(self.subject, report)
        if not verdict.ok:
            raise Violation(failure_text(verdict))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        from grader.errors import GraderError

        if isinstance(excinfo.value, (Violation, GraderError)):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.subject.path, None, f"{self.subject.exercise} {self.subject.role} {self.subject.path.name}"


class BrokenExercise(pytest.Item):
    """An exercise whose files cannot be listed: one failing item that says why."""

    def __init__(self, *, problem: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.problem = problem

    def runtest(self) -> None:
        raise Violation(self.problem)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        return str(excinfo.value)


def failure_text(verdict: Verdict) -> str:
    """The validate problem, then each check that did not pass with its message and hint."""
    from grader.report import to_json
    from grader.results import Status

    subject, report = verdict.subject, verdict.report
    lines = [f"{subject.exercise} {subject.role} {subject.path}: {'; '.join(verdict.problems)}",
             f"score {report.score:g} / {report.max_score:g}"]
    tests = to_json(report)["tests"]
    for check, test in zip(report.checks, tests):
        mark = "passed" if check.status is Status.PASSED else check.status.value
        lines.append(f"  {check.id} ({test['name']}): {mark}")
        if check.status is not Status.PASSED:
            lines += [f"    {line}" for line in str(test.get("message", "")).splitlines() if line.strip()]
            if test.get("hint"):
                lines.append(f"    hint: {test['hint']}")
    return "\n".join(lines)
