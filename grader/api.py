"""The grader's public operations; the CLI and the tests both call these."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from grader.errors import BadOption, DeviceUnavailable, GraderError, SubmissionNotFound
from grader.results import ExerciseReport, ExitCode
from grader.sandbox import runner
from grader.spec import Exercise


def list_exercises() -> list[Exercise]:
    """Every exercise of every bank, in teaching order."""
    from grader import bank

    return bank.all_exercises()


def language(lang: str | None = None, *, exercises: Sequence[str] = (), assignment: str | None = None) -> str:
    """The feedback's language: `lang` if given (BadOption naming the languages if there is no such one); else
    the `lang` of the bank of the assignment or first exercise; else the locale's; else English
    (`i18n.default_language`)."""
    from grader.i18n import LANGUAGES, default_language

    if lang is None:
        return default_language(_bank_language(exercises, assignment))
    if lang not in LANGUAGES:
        raise BadOption(f"--lang {lang}: no such language. Known: {', '.join(LANGUAGES)}.")
    return lang


def _bank_language(exercises: Sequence[str], assignment: str | None) -> str | None:
    """The `lang` of the bank that holds the assignment (or the first exercise); None if it sets none or is unknown
    (the grading itself then says what is wrong)."""
    if not assignment and not exercises:
        return None  # without importing grader.bank (not in a notebook's kernel: see `check`)
    from grader import bank

    try:
        if assignment:
            return bank.assignment(assignment)[0].config.bank.lang
        return bank.locate(exercises[0])[0].config.bank.lang
    except GraderError:
        return None


def check(exercise: str, *, file: str | Path | None = None, device: str = "cpu",
          cell_timeout: float | None = None, lang: str | None = None, kernel: bool = False) -> ExerciseReport:
    """Grade a submission of `exercise`: `file`, or ./exercises/<exercise>.py.

    Called with no `file` inside Jupyter or Colab, it grades the cells run so far in the
    notebook: their source, run again in the isolated worker (not the live objects).
    With `kernel`, a notebook runs in a real Jupyter kernel (full fidelity, slower).
    The report speaks `lang`; without it, as the CLI does (`language`): the bank's, the locale's, or English
    (in a notebook's kernel: the locale's, or English).
    """
    from grader import notebook_session

    if notebook_session.in_sandbox():  # a graded notebook's own grader.check() cell: nothing to do
        return ExerciseReport(exercise=exercise, title="", file="", device=device)
    if notebook_session.active():
        # In the student's kernel: grade in a process of our own, so that nothing of the grading (the
        # references, the exercise's probes, seeds, thread settings) is ever loaded or changed here. Nor the
        # banks: the language is `lang`, else the locale's (the bank's `lang` is not looked up here).
        lang = language(lang)
        report = notebook_session.grade_apart(exercise, file=file, device=device, cell_timeout=cell_timeout,
                                              kernel=kernel)
        report._lang = lang
        return report
    lang = language(lang, exercises=[exercise])
    from grader import bank

    spec = bank.get(exercise)
    runner.warm_up(kernel=kernel)  # the sandbox imports torch while we do
    device = check_device(device)
    from grader import engine, submission

    timeout = runner.CELL_TIMEOUT if cell_timeout is None else cell_timeout
    path = Path(file) if file is not None else Path.cwd() / "exercises" / f"{exercise}.py"
    with submission.prepared(path, exercise) as source:
        report = engine.grade(spec, source, device=device, cell_timeout=timeout, kernel=kernel)
    report._lang = lang
    return report


@dataclass(frozen=True)
class AssignmentReport:
    """Every exercise of an assignment graded on one student's work (`check_assignment`)."""

    assignment: str
    title: str
    reports: list[ExerciseReport]

    @property
    def score(self) -> float:
        return sum(r.score for r in self.reports)

    @property
    def max_score(self) -> float:
        return sum(r.max_score for r in self.reports)

    @property
    def exit_code(self) -> ExitCode:
        full = all(r.exit_code is ExitCode.FULL_MARKS for r in self.reports)
        return ExitCode.FULL_MARKS if full else ExitCode.POINTS_LOST


def check_assignment(assignment: str, *, file: str | Path | None = None, device: str = "cpu",
                     cell_timeout: float | None = None, kernel: bool = False) -> AssignmentReport:
    """Grade a student's work on every exercise of `assignment` ("name" or "bank:name"), with its setup code.

    `file` (a .py or a notebook) is graded on all of them in one sandbox, as `grader grade` grades a class's
    notebook. Without it, each exercise's own ./exercises/<exercise>.py (what `grader init` wrote), each in a
    sandbox of its own; SubmissionNotFound, before anything runs, where one is missing.
    """
    from grader import bank, engine, submission
    from grader.sandbox.setup import Setup

    where, found = bank.assignment(assignment)
    refs = [f"{where.name}:{name}" if name in where.exercise_names() else name for name in found.exercises]
    specs = [bank.get(ref) for ref in refs]
    device = check_device(device)
    setup = Setup.of(assignment)
    runner.warm_up(kernel=kernel)
    timeout = runner.CELL_TIMEOUT if cell_timeout is None else cell_timeout

    def graded(exercises: list[Exercise], path: Path, shown_as: str) -> list[ExerciseReport]:
        with submission.prepared(path, shown_as) as source:
            return engine.grade_many(exercises, source, device=device, cell_timeout=timeout, kernel=kernel,
                                     setup=setup)

    if file is not None:
        reports = graded(specs, Path(file), assignment)
    else:
        paths = [Path.cwd() / "exercises" / f"{spec.name}.py" for spec in specs]
        for spec, path in zip(specs, paths):
            if not path.is_file():
                raise SubmissionNotFound(str(path), spec.name)
        reports = [report for spec, path in zip(specs, paths) for report in graded([spec], path, spec.name)]
    return AssignmentReport(found.name, found.title, reports)


def check_device(device: str) -> str:
    """`device` if this machine has it; DeviceUnavailable or BadOption otherwise."""
    kind = device.split(":")[0]
    if kind not in ("cpu", "cuda"):
        raise BadOption(f"--device {device}: use 'cpu' or 'cuda'.")
    if kind == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise DeviceUnavailable(device)
    return device
