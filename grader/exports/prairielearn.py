"""PrairieLearn external grading: one `<student>/results.json` per student, score in 0..1, under 1 MB."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from grader.batch.names import student_file_name
from grader.exports.common import Gradebook, Student, is_error, write_atomic
from grader.exports.gradescope import feedback
from grader.text import dumps, printable

LIMIT_BYTES = 1_000_000  # PrairieLearn refuses a larger results.json
_BUDGET = LIMIT_BYTES - 50_000  # room for the JSON escaping of what a cut adds
_CUT = "\n…\n"


def write(students: list[Student], out_dir: Path, book: Gradebook) -> list[Path]:
    return [write_atomic(out_dir / student_file_name(str(s["student"])) / "results.json", dump(results(s, book)))
            for s in students]


def results(student: Student, book: Gradebook) -> dict[str, Any]:
    """One student's results.json. `gradable` is false only for a submission that could not be read,
    which PrairieLearn does not count as an attempt; failing checks are graded, not ungradable."""
    if is_error(student):
        message = printable(student.get("message", ""))
        return {"gradable": False, "message": message, "format_errors": [message]}
    tests: list[dict[str, Any]] = [{"name": printable(f"{exercise['exercise']}: {book.test_name(exercise, test)}",
                                                      lines=False),
              "description": printable(book.exercise_title(exercise)),
              "points": float(test["score"]),
              "max_points": float(test["max_score"]),  # on every test, or PrairieLearn shows no points at all
              "message": printable(test.get("message", "")),
              "output": feedback(test, book, message=False)}  # the message is shown apart
             for exercise in student.get("exercises", []) for test in exercise.get("tests", [])]
    score = sum(t["points"] for t in tests) / book.max_score
    return {"gradable": True, "score": min(1.0, max(0.0, score)), "message": printable(student.get("message", "")),
            "tests": tests}


def dump(result: dict[str, Any]) -> str:
    """The JSON text, with the longest outputs and messages cut in the middle until it fits the limit."""
    fields = [result] + list(result.get("tests", []))
    longest = max(len(str(f.get(k, ""))) for f in fields for k in ("output", "message"))
    cap = longest
    while True:
        content = dumps(result) + "\n"
        if len(content.encode("utf-8")) <= _BUDGET or cap == 0:
            return content
        cap //= 2
        for f in fields:
            for key in ("output", "message"):
                if isinstance(f.get(key), str) and len(f[key]) > cap:
                    f[key] = _cut(f[key], cap)


def _cut(value: str, cap: int) -> str:
    """Keep the start and the end (where a traceback's last line is), drop the middle."""
    if cap <= len(_CUT):
        return value[:cap]
    head = (cap - len(_CUT)) // 2
    tail = cap - len(_CUT) - head
    return value[:head] + _CUT + (value[-tail:] if tail else "")
