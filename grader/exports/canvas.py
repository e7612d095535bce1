"""Canvas: `canvas.csv`, a gradebook import with one assignment column."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from grader.errors import BadOption
from grader.exports.common import Gradebook, Student, cell, points, write_atomic

HEADER = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
POINTS_POSSIBLE = "    Points Possible"  # four spaces: Canvas recognises the row by them


def write(students: list[Student], out_dir: Path, book: Gradebook) -> list[Path]:
    buffer = io.StringIO()
    rows = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n")  # names look like "Last, First"
    rows.writerow([*HEADER, cell(column(book))])
    rows.writerow([POINTS_POSSIBLE, "", "", "", "", points(book.max_score)])
    for student in students:
        who = book.identity(student)
        # Without a roster only the name is known, and Canvas matches the row on it.
        canvas_id = who.lms_id if book.options.roster is not None else ""
        rows.writerow([cell(who.name or who.student), canvas_id, cell(who.sis_user_id), cell(who.sis_login_id),
                       cell(who.section), points(book.score(student))])
    return [write_atomic(out_dir / "canvas.csv", buffer.getvalue())]


def column(book: Gradebook) -> str:
    """`<title> (<assignment id>)`; the bare title makes Canvas create a new assignment on import."""
    assignment_id = book.options.canvas_assignment_id
    if assignment_id is None:
        return book.title
    if not re.fullmatch(r"[0-9]+", assignment_id):
        raise BadOption(f"Canvas assignment id '{assignment_id}': expected digits, as in the assignment's URL "
                        ".../assignments/<id>.")
    return f"{book.title} ({assignment_id})"
