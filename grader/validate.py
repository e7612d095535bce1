"""CI for the bank: references get full marks, stubs 0, mutants lose points, alternates full marks."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from grader import bank
from grader.bank.folder import LANGS, mutant_doc
from grader.engine import Conditions
from grader.results import ExerciseReport, Status


@dataclass(frozen=True)
class Subject:
    """One file graded by `validate`, and what it must get."""

    exercise: str
    role: str  # reference | stub | mutant | alternate
    path: Path
    caught_by: tuple[str, ...] = ()  # for a mutant: the checks that must fail
    mistake: tuple[str, ...] = ()  # for a mutant: the languages its docstring explains the mistake in

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


def subjects(exercises: list[str]) -> list[Subject]:
    """Every file to validate for these exercises ("name" or "bank:name")."""
    out: list[Subject] = []
    for ref in exercises:
        where, name = bank.locate(ref)
        if where.is_pack:  # its stubs only: a pack holds no reference, mutant or alternate
            out.append(Subject(ref, "stub", where.stub(name)))
            continue
        out.append(Subject(ref, "reference", where.reference(name)))
        out.append(Subject(ref, "stub", where.stub(name)))
        out += [Subject(ref, "mutant", path, caught_by=doc.caught_by, mistake=tuple(doc.mistake))
                for path in where.mutants(name) for doc in [mutant_doc(path)]]
        out += [Subject(ref, "alternate", path) for path in where.alternates(name)]
    return out


def caught_by(path: Path) -> tuple[str, ...]:
    """The checks a mutant's docstring says catch it (`grader.bank.folder.mutant_doc`)."""
    return mutant_doc(path).caught_by


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
        for lang in LANGS:
            if lang not in subject.mistake:
                label = {"en": "Mistake:", "ja": "間違い:"}[lang]
                problems.append(f"mutant docstring has no '{label}' sentence ({lang})")
        statuses = {c.id: c.status for c in report.checks}
        for check_id in subject.caught_by:
            if check_id not in statuses:
                problems.append(f"docstring names unknown check '{check_id}'")
            elif statuses[check_id] is Status.SKIPPED:  # a check that did not run caught nothing
                problems.append(f"check '{check_id}' did not run (a check it needs failed first): name that one")
            elif check_id not in failed:
                problems.append(f"check '{check_id}' did not catch it")
    return Verdict(subject, report, tuple(problems))


def validate(exercises: list[str] | None = None, *, workers: int | None = None,
             conditions: Conditions = Conditions()) -> list[Verdict]:
    """Grade every subject (in parallel) under `conditions` and judge each report."""
    from grader import engine, submission
    from grader.sandbox import runner

    runner.warm_up()
    names = exercises or bank.names()
    for name in names:
        bank.get(name)  # unknown names and broken exercises fail before any work
    todo = subjects(names)

    def run(subject: Subject) -> Verdict:
        with submission.prepared(subject.path, subject.exercise) as source:
            report = engine.grade(bank.get(subject.exercise), source, conditions=conditions)
        return judge(subject, report)

    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 2) as pool:
        verdicts = list(pool.map(run, todo))
    return verdicts + packed(names)


def builtin_pack() -> Path | None:
    """The pack of the built-in bank that a wheel carries (grader/builtin_pack: its pack.json, with the frozen data
    beside each exercise's checks), where the built-in bank is live (a checkout); None otherwise."""
    from grader.bank import _PACKAGE

    root = _PACKAGE / "builtin_pack"
    live = next(b for b in bank.banks() if b.builtin)
    return root if not live.is_pack and (root / "pack.json").is_file() else None


def packed(names: list[str]) -> list[Verdict]:
    """One verdict per built-in exercise among `names`: whether the built-in pack holds what its reference
    computes now (a stale pack fails, naming the exercise, the check and the command that regenerates it)."""
    from grader import pack

    root = builtin_pack()
    chosen = [name for ref in names for where, name in [bank.locate(ref)] if where.builtin]
    if root is None or not chosen:
        return []
    stale = pack.stale(root, chosen)
    return [Verdict(Subject(name, "pack", pack.exercises_folder(root) / name),
                    ExerciseReport(exercise=name, title="", file=str(root), device="cpu"), tuple(stale[name]))
            for name in chosen]


NEAR = 0.5  # a correct file whose error is this fraction of the allowed error or more is close to failing


@dataclass(frozen=True)
class Flaky:
    """A check whose verdict depends on the seed or the thread count, or that a correct file nearly fails."""

    exercise: str
    check: str
    why: str


def rounds(repeat: int) -> list[Conditions]:
    """The conditions of `validate --repeat N`: the grading default first, then other seeds, 1 and 2 threads."""
    return [Conditions(seed=k, torch_threads=1 + k % 2) for k in range(max(1, repeat))]


def flaky(runs: list[tuple[Conditions, list[Verdict]]]) -> list[Flaky]:
    """Every check that passed and lost points on the same file in different rounds, or whose margin on a
    correct file (reference, alternate) came near its tolerance in some round. (A mutant that fails in
    one round and times out in another is caught in both: that is not flaky.)"""
    found: dict[tuple[str, str], str] = {}
    statuses: dict[tuple[str, str, str], dict[str, list[str]]] = {}
    for conditions, verdicts in runs:
        said = f"seed {conditions.seed}, {conditions.torch_threads} thread{'s' if conditions.torch_threads > 1 else ''}"
        for verdict in verdicts:
            subject = verdict.subject
            for check in verdict.report.checks:
                key = (subject.exercise, check.id)
                verdict_word = "passed" if check.status is Status.PASSED else "lost points"
                statuses.setdefault((*key, f"{subject.role} {subject.name}"), {}).setdefault(
                    verdict_word, []).append(said)
                margin = check.margin
                if (subject.role in ("reference", "alternate") and check.status is Status.PASSED
                        and margin is not None and margin >= NEAR and key not in found):
                    found[key] = (f"{subject.role} {subject.name}: error {margin:.2f} of the allowed ({said})")
    for (exercise, check_id, who), seen in statuses.items():
        if len(seen) > 1 and (exercise, check_id) not in found:
            found[(exercise, check_id)] = f"{who}: " + "; ".join(
                f"{status} with {', '.join(sorted(set(rounds)))}" for status, rounds in sorted(seen.items()))
    return [Flaky(exercise, check_id, why) for (exercise, check_id), why in sorted(found.items())]
