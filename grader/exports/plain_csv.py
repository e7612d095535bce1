"""A plain spreadsheet: `grades.csv`, one row per student, one column per exercise."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from grader.exports.common import Gradebook, Student, cell, points, write_atomic


def write(students: list[Student], out_dir: Path, book: Gradebook) -> list[Path]:
    buffer = io.StringIO()
    rows = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    rows.writerow(["student", "status", *book.exercises, "total", "max", "message"])
    for student in students:
        rows.writerow([cell(student["student"]), cell(student["status"]),
                       *(points(book.exercise_score(student, name)) for name in book.exercises),
                       points(book.score(student)), points(book.max_score), cell(student.get("message", ""))])
    return [write_atomic(out_dir / "grades.csv", buffer.getvalue())]
