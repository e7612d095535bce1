"""Grading one student's Task into a StudentReport: the unit of work of a batch, local or on Dask."""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from grader import __version__
from grader.batch.model import StudentReport, StudentStatus
from grader.batch.submissions import Part, Task
from grader.results import CheckResult, ExerciseReport, Feedback, Status
from grader.sandbox.runner import CELL_TIMEOUT, Setup
from grader.submission import Source, cells_source


@dataclass(frozen=True)
class Settings:
    """How every submission of a batch is graded."""

    device: str = "cpu"
    cell_timeout: float = CELL_TIMEOUT
    kernel: bool = False  # notebooks run in a real Jupyter kernel (full fidelity)
    banks: tuple[str, ...] = ()  # the folders of the banks besides the built-in one (`bank.roots()`)
    setup: Setup | None = None  # the assignment's setup code (`grade --assignment`), run before each submission


def grade_task(task: Task, settings: Settings) -> StudentReport:
    """Grade every exercise of `task`; never raises for anything the submission does."""
    from grader import bank

    if bank.roots() != settings.banks:  # a Dask worker, or a pool process: the grader's banks, no others
        bank.use(settings.banks, discover=False)
    started = time.monotonic()
    report = StudentReport(student=task.student, status=StudentStatus.GRADED, files=list(task.files),
                           content_hash=task.content_hash, grader_version=__version__)
    if task.problem:
        report.status, report.message = StudentStatus.ERROR, task.problem
        report.exercises = [not_graded(name) for name in task.exercises]
        return report
    graded: dict[str, ExerciseReport] = {}
    for part in task.parts:
        graded.update(zip(part.exercises, _grade_part(part, settings)))
    report.exercises = [graded[name] for name in task.exercises]
    report.duration = time.monotonic() - started
    return report


def _grade_part(part: Part, settings: Settings) -> list[ExerciseReport]:
    from grader import bank, engine
    from grader.sandbox import runner

    # On a Dask worker, the first task starts the forkserver: with what notebooks use preloaded, as the
    # local pool has it (a no-op where it runs already), so workers never import it after shutting in.
    runner.warm_up(notebooks=True, kernel=settings.kernel, exercises=tuple(part.exercises))
    _prepare(tuple(part.exercises), settings.device)
    specs = [bank.get(name) for name in part.exercises]
    with _source(part) as source:
        return engine.grade_many(specs, source, device=settings.device, cell_timeout=settings.cell_timeout,
                                 kernel=settings.kernel, setup=settings.setup)


_PREPARED: set[tuple[tuple[str, ...], str]] = set()  # exercises whose references are computed (or being)
_PREPARED_LOCK = threading.Lock()


def _prepare(exercises: tuple[str, ...], device: str) -> None:
    """Compute the references of `exercises` in a thread of their own, once per process.

    The first submissions' workers wait for the forkserver's imports (~1 s after the grader has
    imported torch): the grader computes its references meanwhile, rather than later, beside two
    workers on the same cores. engine.reference computes each once, under its lock, so a
    grading thread that needs one first waits for it or computes it itself.
    """
    with _PREPARED_LOCK:
        if (exercises, device) in _PREPARED:
            return
        _PREPARED.add((exercises, device))
    threading.Thread(target=_references, args=(exercises, device), name="grade-references", daemon=True).start()


def _references(exercises: tuple[str, ...], device: str) -> None:
    import torch

    from grader import bank, engine

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as engine.grade_many computes them: the same values, whichever thread does
    try:
        for name in exercises:
            for index in range(len(bank.get(name).checks)):
                engine.reference(name, index, device)
    except Exception:  # noqa: BLE001 - the grading thread that needs it computes it again, and reports it
        pass
    finally:
        torch.set_num_threads(threads)


@contextmanager
def _source(part: Part) -> Iterator[Source]:
    """The part written where the worker can read it."""
    if part.cells is not None:
        with cells_source(list(part.cells), shown=part.shown) as source:
            yield source
        return
    with tempfile.TemporaryDirectory(prefix="grader-py-") as folder:
        path = Path(folder) / Path(part.shown).name
        path.write_text(part.text, encoding="utf-8")
        yield Source(path, notebook=False, shown=part.shown)


def not_graded(name: str) -> ExerciseReport:
    """An exercise listed with score 0: the submission could not be read."""
    from grader import bank

    spec = bank.get(name)
    checks = [CheckResult(id=c.id, title=c.title, status=Status.ERROR, score=0.0, max_score=c.points,
                          feedback=Feedback(summary=("not_graded", {})))
              for c in spec.checks]
    return ExerciseReport(exercise=spec.name, title=spec.title, file="", device="", checks=checks)
