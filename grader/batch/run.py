"""`grader grade`: a class's submissions graded in parallel into DIR.

DIR/gradebook.db (resumable), DIR/students/<student>.json (the contract's "Batch output"),
DIR/students/<student>.html and .md (feedback), DIR/report.html, DIR/exports/<format>/. `<student>` is the
id made a safe file name (`grader.batch.names.student_file_name`); the JSON's `student` field keeps the id.
Submissions are graded in threads of this process (each drives its own sandbox worker
process) or, with a scheduler address, on a Dask cluster; only this thread writes.
"""

from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import hashlib
import io
import json
import os
import shutil
import sqlite3
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader import __version__
from grader.batch import submissions as found
from grader.batch.cluster import ClusterExecutor
from grader.batch.gradebook import Gradebook
from grader.batch.grading import Settings, grade_task
from grader.batch.model import StudentReport, StudentStatus, student_json
from grader.errors import OutputUnwritable
from grader.text import dumps

if TYPE_CHECKING:
    from grader.exports import ExportOptions

PLAN_FILE = "batch.json"  # what the last run graded, so `grader export DIR` needs no options


@dataclass(frozen=True)
class Plan:
    """What to grade and where the results go."""

    submissions: Path
    exercises: tuple[str, ...]
    out: Path
    title: str = ""
    assignment: str = ""
    settings: Settings = Settings()
    workers: int = 1
    scheduler: str | None = None  # a Dask scheduler address
    regrade: bool = False
    lang: str = "en"
    student: str | None = None  # SUBMISSIONS is this one student's folder
    exports: tuple[str, ...] = ()
    export_options: ExportOptions | None = None  # the roster and LMS ids the exports need; default: none


@dataclass
class Summary:
    """How the run went, for the progress line and the closing table."""

    total: int = 0
    full_marks: int = 0
    points_lost: int = 0
    errors: int = 0  # could not be read at all
    reused: int = 0  # already in the gradebook
    seconds: float = 0.0
    error_students: list[str] = field(default_factory=list)
    outputs: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # outputs of the run that could not be written

    @property
    def done(self) -> int:
        return self.full_marks + self.points_lost + self.errors

    def add(self, report: StudentReport, reused: bool) -> None:
        if report.status is StudentStatus.ERROR:
            self.errors += 1
            self.error_students.append(report.student)
        elif report.full_marks:
            self.full_marks += 1
        else:
            self.points_lost += 1
        self.reused += reused


Listener = Callable[[StudentReport, Summary], None]


def grade_class(plan: Plan, listener: Listener | None = None) -> Summary:
    """Grade every submission of `plan`; `listener` hears of each student as they finish."""
    started = time.monotonic()
    if plan.assignment and plan.settings.setup is None:  # graded by assignment: its setup code runs first
        from grader.sandbox.setup import Setup

        plan = dataclasses.replace(plan, settings=dataclasses.replace(plan.settings, setup=Setup.of(plan.assignment)))
    subs = ([found.single(plan.submissions, plan.student)] if plan.student
            else found.discover(plan.submissions))
    students_dir = plan.out / "students"
    with _output_errors(plan.out):
        students_dir.mkdir(parents=True, exist_ok=True)
    summary = Summary(total=len(subs))
    graded_on = f"{','.join(plan.exercises)}@{plan.settings.device}" + ("+kernel" if plan.settings.kernel else "")
    if plan.settings.setup is not None:  # other setup code, another grading
        graded_on += "+setup:" + hashlib.sha256(plan.settings.setup.code.encode()).hexdigest()[:12]
    graded_on += "#" + ",".join(_fingerprint(name) for name in plan.exercises)  # an edited check regrades
    reports: dict[str, StudentReport] = {}

    def finished(report: StudentReport, files: dict[str, str], reused: bool) -> StudentReport:
        """Write a student's rendered files (from `_contained`) and count them."""
        with _output_errors(plan.out):
            for name, text in files.items():
                _atomic_write(students_dir / name, text)
            _forget_raw_name(students_dir, report.student)
        reports[report.student] = report
        summary.add(report, reused)
        if listener is not None:
            listener(report, summary)
        return report

    with _output_errors(plan.out):
        book = Gradebook(plan.out / "gradebook.db")
    with book:
        todo = []
        for sub in subs:
            task = found.load(sub, plan.exercises, plan.submissions)
            kept = None if plan.regrade else _kept(book, task, graded_on)
            if kept is not None:
                finished(*_contained(kept, task, plan.lang), reused=True)
            else:
                todo.append(task)
        if todo:  # a re-run that finds everything in the gradebook starts no sandbox at all
            with _executor(plan) as pool:
                # workers elsewhere: the banks' files, sent once to each (every task refers to them)
                shipped = pool.broadcast(ship_banks(plan.settings.banks)) if isinstance(pool, ClusterExecutor) else None
                futures = {(pool.submit(grade_task, task, plan.settings) if shipped is None else
                            pool.submit(grade_shipped, task, plan.settings, shipped)): task for task in todo}
                for future in cf.as_completed(futures):
                    task = futures[future]
                    report, files = _contained(_result(future, task), task, plan.lang)  # rendered once
                    with _output_errors(plan.out):
                        book.record(report, graded_on)  # committed before anything else is written
                    finished(report, files, reused=False)
    ordered = [reports[sub.student] for sub in subs]
    with _output_errors(plan.out):
        _atomic_write(plan.out / PLAN_FILE, dumps({
            "exercises": list(plan.exercises), "assignment": plan.assignment, "title": plan.title,
            "students": [r.student for r in ordered], "lang": plan.lang}, indent=1) + "\n")
        summary.outputs = _write_outputs(plan, ordered, summary.problems)
    summary.seconds = time.monotonic() - started
    return summary


def _forget_raw_name(students_dir: Path, student: str) -> None:
    """Remove the report an older grader wrote under the raw id (`Bob.json`), now written under the file-name
    rule: `grader export` would read that student twice."""
    from grader.batch.feedback import feedback_filename

    old = students_dir / f"{student}.json"
    if old.name == feedback_filename(student, ".json") or old.parent != students_dir or not old.is_file():
        return
    try:
        written = json.loads(old.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if isinstance(written, dict) and written.get("student") == student:
        old.unlink()


Shipped = tuple[tuple[str, str, bytes], ...]  # each bank (besides the built-in one): folder name, digest, zip
SHIPPED_BANKS = Path(tempfile.gettempdir()) / "torchgrader-banks"  # a Dask worker's unpacked banks, by digest
BANK_FILES = ("torchgrader.toml", "pack.json", "exercises", "reference_solutions")


def ship_banks(roots: tuple[str, ...]) -> Shipped:
    """The banks' files, zipped, so that a Dask worker on another machine grades with the grader's banks."""
    shipped = []
    for root in map(Path, roots):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(root.rglob("*")):
                inside = path.relative_to(root).parts
                if path.is_file() and inside[0] in BANK_FILES and "__pycache__" not in inside:
                    archive.writestr(zipfile.ZipInfo("/".join(inside)), path.read_bytes())  # no dates: same bytes
        data = buffer.getvalue()
        shipped.append((root.name, hashlib.sha256(data).hexdigest()[:16], data))
    return tuple(shipped)


def grade_shipped(task: found.Task, settings: Settings, shipped: Shipped) -> StudentReport:
    """`grade_task` on a Dask worker, with the banks sent to it (`ClusterExecutor.broadcast`: once per run and
    worker), unpacked once per version and machine."""
    roots = []
    for name, digest, data in shipped:
        target = SHIPPED_BANKS / digest / name  # the folder's name: a bank without [bank] name is named by it
        if not target.is_dir():
            target.parent.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(dir=target.parent))
            zipfile.ZipFile(io.BytesIO(data)).extractall(staging)
            try:
                os.rename(staging, target)  # whole or not at all; another thread may have been first
            except OSError:
                shutil.rmtree(staging, ignore_errors=True)
        roots.append(str(target))
    return grade_task(task, dataclasses.replace(settings, banks=tuple(roots)))


def _fingerprint(ref: str) -> str:
    """The exercise's definition as its bank holds it now (`Bank.fingerprint`)."""
    from grader import bank

    where, name = bank.locate(ref)
    return where.fingerprint(name)


def _kept(book: Gradebook, task: found.Task, graded_on: str) -> StudentReport | None:
    if not book.is_current(task.student, task.content_hash, __version__, graded_on):
        return None
    return book.report(task.student)


def _result(future: cf.Future[StudentReport], task: found.Task) -> StudentReport:
    """The graded report; a failure of the grading machinery itself is that student's error, not the run's."""
    from grader.sandbox.setup import SetupError

    try:
        return future.result()
    except SetupError:  # the assignment's setup code failed: the instructor's error, the same for everyone
        raise
    except Exception as exc:  # noqa: BLE001 - e.g. a Dask worker lost; the batch goes on
        return _not_graded(task, "grade", exc)


def _contained(report: StudentReport, task: found.Task, lang: str) -> tuple[StudentReport, dict[str, str]]:
    """`report` and its rendered files; if it cannot be rendered, that student's error report instead, so
    that one odd result never stops the batch."""
    try:
        return report, _rendered(report, lang)
    except Exception as exc:  # noqa: BLE001 - whatever a submission made of its report, the others get theirs
        report = _not_graded(task, "report on", exc)
        return report, _rendered(report, lang)


def _not_graded(task: found.Task, doing: str, exc: Exception) -> StudentReport:
    """The error report of a student the grader itself failed: not kept for re-use (no content hash)."""
    from grader.batch.grading import not_graded

    return StudentReport(
        student=task.student, status=StudentStatus.ERROR, files=list(task.files), grader_version=__version__,
        message=f"the grader could not {doing} this submission ({type(exc).__name__}: {str(exc)[:200]}); "
                "grade it again",
        exercises=[not_graded(name) for name in task.exercises])


@contextmanager
def _output_errors(out: Path) -> Iterator[None]:
    """A full disk or an unwritable --out folder: one clear error (what was graded stays in the gradebook)."""
    try:
        yield
    except (OSError, sqlite3.OperationalError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        where = getattr(exc, "filename", None) or out
        raise OutputUnwritable(
            f"could not write the results to {where} ({reason}). Free some space or choose another --out "
            f"folder; what was graded so far is kept in {out / 'gradebook.db'}, and running the same command "
            "again goes on from there.") from None


@contextmanager
def _executor(plan: Plan) -> Iterator[cf.Executor]:
    if plan.scheduler:
        from grader.batch.cluster import dask_executor

        with dask_executor(plan.scheduler) as pool:
            yield pool
        return
    from grader.sandbox import runner

    # once, before the threads start workers; the class's exercises' bank modules too, which every worker imports
    runner.warm_up(notebooks=True, kernel=plan.settings.kernel, exercises=plan.exercises)
    with cf.ThreadPoolExecutor(max_workers=max(1, plan.workers), thread_name_prefix="grade") as pool:
        try:
            yield pool
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def _rendered(report: StudentReport, lang: str) -> dict[str, str]:
    """A student's three files, file name → text, all rendered before any is written."""
    from grader.batch.feedback import feedback_filename, feedback_html, feedback_markdown

    data = student_json(report, lang)
    return {
        feedback_filename(report.student, ".json"): dumps(data, indent=1) + "\n",
        feedback_filename(report.student, ".html"): feedback_html(data, lang),
        feedback_filename(report.student, ".md"): feedback_markdown(data, lang),
    }


def _write_outputs(plan: Plan, reports: list[StudentReport], problems: list[str]) -> list[Path]:
    """report.html and the exports; one that fails is named in `problems`, and the others are still written."""
    from grader import exports
    from grader.batch.html_report import write_report

    students: list[dict[str, Any]] = [student_json(r, plan.lang) for r in reports]
    title = exports.title_of(list(plan.exercises), assignment=plan.assignment, title=plan.title)
    options = plan.export_options or exports.ExportOptions(lang=plan.lang)
    jobs: list[tuple[str, Callable[[], list[Path]]]] = [
        ("report.html", lambda: [write_report(plan.out, students, title=title, exercises=list(plan.exercises), lang=plan.lang)])]
    for fmt in plan.exports:
        jobs.append((f"--export {fmt}", lambda fmt=fmt: exports.export(  # type: ignore[misc]
            students, fmt, plan.out / "exports" / fmt, exercises=list(plan.exercises), assignment=plan.assignment,
            title=plan.title, options=options)))
    outputs: list[Path] = []
    for name, job in jobs:
        try:
            outputs += job()
        except OSError:
            raise  # the folder itself: _output_errors says so
        except Exception as exc:  # noqa: BLE001 - the students' own files are written; say which output is not
            problems.append(f"{name} could not be written ({type(exc).__name__}: {str(exc)[:200]})")
    return outputs


def _atomic_write(path: Path, text: str) -> None:
    """Write `path` whole or not at all: a run killed midway, or a full disk, never leaves half a file."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
