"""What `grader grade` shows while it runs: a rich progress bar (or one line per student), then a summary."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from grader import keys
from grader.batch.model import StudentReport, StudentStatus
from grader.batch.run import Listener, Plan, Summary
from grader.report import print_unpadded
from grader.text import printable


@contextmanager
def shown(console: Console, *, quiet: bool) -> Iterator[Listener]:
    """A listener for grade_class: a live bar on a terminal; plain lines in logs (--quiet or not a terminal)."""
    if quiet or not console.is_terminal:
        def log(report: StudentReport, summary: Summary) -> None:
            if not quiet or report.status is StudentStatus.ERROR:
                console.print(printable(_line(report, summary), lines=False), markup=False, highlight=False,
                              soft_wrap=True)

        yield log
        return
    columns = (TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[counts]}"),
               TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task("grading", total=None, counts="")

        def update(report: StudentReport, summary: Summary) -> None:
            bar.update(task, total=summary.total, completed=summary.done, counts=_counts(summary))

        yield update


def _counts(summary: Summary) -> str:
    return (f"[green]{summary.full_marks} full marks[/] · [yellow]{summary.points_lost} lost points[/] · "
            f"[red]{summary.errors} not gradable[/]")


def _line(report: StudentReport, summary: Summary) -> str:
    where = f"[{summary.done}/{summary.total}] {report.student}: "
    if report.status is StudentStatus.ERROR:
        return where + f"not graded: {keys.said(report.message)}"
    return where + f"{report.score:g} / {report.max_score:g}"


def print_summary(summary: Summary, plan: Plan, console: Console) -> None:
    """The closing table: how many were graded, reused, not gradable, and where the results are."""
    table = Table(title=f"grader grade · {plan.title or plan.assignment or ', '.join(plan.exercises)}",
                  title_justify="left", show_header=False, box=None)
    table.add_column(style="bold")
    table.add_column()
    graded = summary.full_marks + summary.points_lost
    rows = [
        ("submissions", str(summary.total)),
        ("graded", f"{graded} ({summary.full_marks} full marks, {summary.points_lost} lost points)"),
        ("not gradable", f"{summary.errors}" + (f" ({', '.join(summary.error_students[:10])}"
                                               f"{' …' if len(summary.error_students) > 10 else ''})"
                                               if summary.error_students else "")),
        ("from the gradebook", f"{summary.reused} (unchanged since they were graded; --regrade grades them again)"),
        ("time", f"{summary.seconds:.1f} s"),
        ("results", str(plan.out)),
    ]
    rows += [("not written", problem) for problem in summary.problems]
    for name, value in rows:
        table.add_row(name, Text(printable(value, lines=False)))  # ids and messages: shown, never obeyed
    print_unpadded(console, table)  # a log or a pipe gets lines without padding
