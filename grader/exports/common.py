"""What every exporter shares: the options, the roster, the gradebook facts, numbers and text.

Text that people read goes through `grader.text.printable` (control characters shown as escapes),
then the format's own defusing: `cell` for spreadsheets, `xml_text` for XML; JSON is written by
`grader.text.dumps` (strict). Identifiers an LMS matches on (LTI userId, roster ids) stay as they are.
"""

from __future__ import annotations

import csv
import json
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from grader.errors import BadOption, GraderError
from grader.i18n import check_title, text, title
from grader.text import printable

SCHEMAS = Path(__file__).parent / "schemas"

Student = dict[str, Any]  # one DIR/students/<student>.json, as grader.batch.model.student_json writes it

# XML 1.0 cannot carry most control characters, which student output (ANSI colours, \0) can hold.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
# What makes a spreadsheet read a cell as a formula (OWASP CSV injection), full-width forms included:
# Excel in East Asian locales accepts them.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


@dataclass(frozen=True)
class RosterEntry:
    """One row of a roster CSV: how the LMS knows a student."""

    student: str
    lms_id: str
    name: str = ""
    email: str = ""
    section: str = ""
    sis_user_id: str = ""
    sis_login_id: str = ""


@dataclass(frozen=True)
class ExportOptions:
    """What an LMS needs beyond the grades.

    `canvas_assignment_id`: the Canvas assignment's number; without it the column header is the bare
    title, and Canvas creates a new assignment on import. `moodle_item_idnumber`: the grade item's
    ID number; `moodle.xml` is written only with it. `roster`: student → LMS identity
    (`read_roster`). `lti_timestamp`: the Scores' timestamp (timezone-aware; default now, UTC).
    `lang`: the language of the few labels an exporter adds ("hint", "printed").
    """

    canvas_assignment_id: str | None = None
    moodle_item_idnumber: str | None = None
    roster: dict[str, RosterEntry] | None = None
    lti_timestamp: datetime | None = None
    lang: str = "en"


@dataclass(frozen=True)
class Gradebook:
    """The assignment's facts every exporter reads: exercises, points, title, options."""

    exercises: tuple[str, ...]
    exercise_max: dict[str, float]
    title: str
    options: ExportOptions = field(default_factory=ExportOptions)

    @property
    def max_score(self) -> float:
        return sum(self.exercise_max.values())

    def exercise_score(self, student: Student, name: str) -> float:
        """The student's points on one exercise: 0 when it is not listed or the submission was unreadable."""
        if is_error(student):
            return 0.0
        return sum(_test_score(t) for e in student.get("exercises", []) if e["exercise"] == name
                   for t in e.get("tests", []))

    def score(self, student: Student) -> float:
        """The sum of the student's test scores (0 for an unreadable submission)."""
        return sum(self.exercise_score(student, name) for name in self.exercises)

    def identity(self, student: Student) -> RosterEntry:
        """How the LMS knows this student: the roster row, or the student id alone without a roster."""
        sid = str(student["student"])
        roster = self.options.roster
        if roster is None:
            return RosterEntry(student=sid, lms_id=sid, name=sid)
        return roster[sid]  # export() checked that every student is in the roster

    def label(self, message_id: str) -> str:
        return text(message_id, self.options.lang)

    def exercise_title(self, exercise: dict[str, Any]) -> str:
        """An exercise's title in the export's language (the stored one where the exercise is unknown here)."""
        return title(str(exercise["exercise"]), self.options.lang, str(exercise.get("title", "")))

    def test_name(self, exercise: dict[str, Any], test: dict[str, Any]) -> str:
        """A check's title in the export's language, as `exercise_title`."""
        return check_title(str(exercise["exercise"]), str(test.get("id", "")), self.options.lang, str(test["name"]))


def _test_score(test: dict[str, Any]) -> float:
    return float(test.get("score", 0.0))


def is_error(student: Student) -> bool:
    return student.get("status") == "error"


def summary(student: Student, book: Gradebook) -> str:
    """One line for an LMS comment: why the submission could not be graded, or each exercise's points."""
    if is_error(student):
        return printable(student.get("message", ""))
    return "; ".join(f"{name} {book.exercise_score(student, name):g}/{book.exercise_max[name]:g}"
                     for name in book.exercises)


def read_roster(path: Path) -> dict[str, RosterEntry]:
    """Student → LMS identity, from a CSV with columns student,lms_id[,name,email,section,sis_user_id,sis_login_id].

    Raises:
        GraderError: the file is missing, lacks the two required columns, or names a student twice.
    """
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
            columns = set(rows[0]) if rows else set()
    except OSError as exc:
        raise GraderError(f"{path}: the roster cannot be read ({exc.strerror}).") from exc
    missing = {"student", "lms_id"} - columns
    if missing:
        raise GraderError(f"{path}: a roster needs the columns student and lms_id; "
                          f"missing {', '.join(sorted(missing))}.")
    known = {f for f in RosterEntry.__dataclass_fields__}
    roster: dict[str, RosterEntry] = {}
    for line, row in enumerate(rows, start=2):
        entry = RosterEntry(**{k: (v or "").strip() for k, v in row.items() if k in known})
        if entry.student in roster:
            raise GraderError(f"{path}:{line}: student '{entry.student}' is listed twice.")
        roster[entry.student] = entry
    return roster


def load_students(batch_dir: Path) -> list[Student]:
    """The batch's DIR/students/*.json, sorted by student.

    Raises:
        GraderError: there is no students/*.json under `batch_dir`, or one is not a student report.
    """
    folder = batch_dir / "students"
    files = sorted(folder.glob("*.json")) if folder.is_dir() else []
    if not files:
        raise GraderError(f"{folder}: no student reports (*.json) here. "
                          f"Run 'grader grade ... --out {batch_dir}' first.")
    students = []
    for path in files:
        try:
            data = json.loads(path.read_text(encoding="utf-8"), parse_constant=_not_strict)
        except (OSError, ValueError) as exc:  # ValueError: JSONDecodeError, UnicodeDecodeError, NaN
            raise GraderError(f"{path}: not a readable JSON student report ({exc}).") from exc
        if not isinstance(data, dict) or not {"student", "status", "exercises"} <= data.keys():
            raise GraderError(f"{path}: not a student report (needs student, status and exercises).")
        students.append(data)
    return sorted(students, key=lambda s: str(s["student"]))


def _not_strict(name: str) -> None:
    raise ValueError(f"{name} is not JSON, and the grader never writes it")


def points(value: float) -> str:
    """A score as LMS imports read it: at most 2 decimals, no trailing zeros ("9", "2.5", "0.33")."""
    return f"{value:.2f}".rstrip("0").rstrip(".") or "0"


def cell(value: object) -> str:
    """Free text for a spreadsheet cell: `printable`, and defused against formula injection (OWASP:
    prefix a quote when it starts, after any spaces, with a character that starts a formula)."""
    text = printable(value)
    return f"'{text}" if text.lstrip(" ").startswith(_FORMULA_START) else text


def xml_text(value: object) -> str:
    """`value` as XML 1.0 text: `printable`, and any character XML cannot carry left becomes U+FFFD."""
    return _NOT_XML.sub("\ufffd", printable(value))


def write_atomic(path: Path, content: str) -> Path:
    """Write through a temporary file and rename, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(content, encoding="utf-8", newline="")
    os.replace(tmp, path)
    return path


def check_students(students: list[Student], book: Gradebook) -> None:
    """Refuse what would silently produce a wrong gradebook: duplicate ids, students missing from the roster."""
    ids = [str(s["student"]) for s in students]
    doubles = sorted(sid for sid, n in Counter(ids).items() if n > 1)
    if doubles:
        raise BadOption(f"student {', '.join(map(repr, doubles))} appears twice in the batch.")
    roster = book.options.roster
    if roster is not None:
        unknown = [sid for sid in ids if sid not in roster]
        if unknown:
            raise BadOption(f"not in the roster: {', '.join(map(repr, unknown))}. Add them to the roster CSV.")
