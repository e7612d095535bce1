"""A batch's student reports → the files LMSs and CI import: one module per format, none changes the results."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import cast

from grader.errors import BadOption, GraderError
from grader.exports.common import ExportOptions, Gradebook, RosterEntry, Student, check_students, load_students, \
    read_roster

__all__ = ["FORMATS", "ExportOptions", "RosterEntry", "export", "load_students", "read_roster", "title_of"]

Writer = Callable[[list[Student], Path, Gradebook], list[Path]]

MODULES = {  # format → the module whose `write(students, out_dir, book)` writes it
    "gradescope": "gradescope",
    "canvas": "canvas",
    "moodle": "moodle",
    "lti-ags": "lti_ags",
    "prairielearn": "prairielearn",
    "junit": "junit",
    "csv": "plain_csv",
}
FORMATS: tuple[str, ...] = tuple(MODULES)


def export(students: list[Student], fmt: str, out_dir: Path, *, exercises: list[str], assignment: str = "",
           title: str = "", options: ExportOptions | None = None) -> list[Path]:
    """Write the batch in format `fmt` under `out_dir`; returns the files written.

    `exercises` fixes the columns and the points possible (from the bank), so a student whose
    submission could not be read still counts against the full assignment.

    Raises:
        BadOption: unknown format, no exercises, duplicate students, students missing from the roster.
        UnknownExercise: an exercise name the bank does not know.
    """
    if fmt not in MODULES:
        raise BadOption(f"--export {fmt}: no such format. Known: {', '.join(FORMATS)}.")
    if not exercises:
        raise BadOption("an export needs the assignment's exercises (--exercises a,b,c or --assignment NAME).")
    book = gradebook(exercises, assignment=assignment, title=title, options=options or ExportOptions())
    check_students(students, book)
    writer = cast(Writer, importlib.import_module(f"grader.exports.{MODULES[fmt]}").write)
    return writer(students, out_dir, book)


def gradebook(exercises: list[str], *, assignment: str, title: str, options: ExportOptions) -> Gradebook:
    """The assignment's points (from the bank) and its title (`title_of`)."""
    from grader import bank

    exercise_max = {name: bank.get(name).max_score for name in exercises}
    return Gradebook(exercises=tuple(exercises), exercise_max=exercise_max,
                     title=title_of(exercises, assignment=assignment, title=title), options=options)


def title_of(exercises: list[str], *, assignment: str = "", title: str = "") -> str:
    """What a batch is called, in report.html and LMS columns: `title`, else the assignment's title (its name
    if the bank does not know it), else the exercises."""
    from grader import bank

    if not title and assignment:
        try:
            title = bank.assignment(assignment)[1].title or assignment
        except GraderError:  # graded with a bank not found here any more
            title = assignment
    return title or ", ".join(exercises)
