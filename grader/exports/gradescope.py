"""Gradescope: one `<student>/results.json` per student, in the autograder's results format."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from grader.batch.names import student_file_name
from grader.exports.common import Gradebook, Student, is_error, write_atomic
from grader.text import dumps, printable


def write(students: list[Student], out_dir: Path, book: Gradebook) -> list[Path]:
    return [write_atomic(out_dir / student_file_name(str(s["student"])) / "results.json",
                         dumps(results(s, book), indent=1) + "\n")
            for s in students]


def results(student: Student, book: Gradebook) -> dict[str, Any]:
    """The results.json of one student: one test per check, the score their sum (0 when unreadable)."""
    tests = [_test(test, exercise, number=f"{i}.{j}", book=book)
             for i, exercise in enumerate(student.get("exercises", []), start=1)
             for j, test in enumerate(exercise.get("tests", []), start=1)]
    if is_error(student):
        for test in tests:
            test["score"] = 0.0
    return {
        # The top-level score overrides the tests' total on Gradescope; keep it equal to that total.
        "score": sum(t["score"] for t in tests),
        "execution_time": round(float(student.get("duration", 0.0)), 3),
        "output": _summary(student, book),
        "output_format": "text",
        "test_output_format": "text",
        "test_name_format": "text",
        "visibility": "visible",
        "tests": tests,
        "extra_data": {"student": student["student"], "status": student["status"],
                       "grader_version": student.get("grader_version", ""),
                       "content_hash": student.get("content_hash", "")},
    }


def _test(test: dict[str, Any], exercise: dict[str, Any], *, number: str, book: Gradebook) -> dict[str, Any]:
    passed = test["status"] == "passed"
    return {
        "name": printable(f"{exercise['exercise']}: {book.test_name(exercise, test)}", lines=False),
        "number": number,
        "score": float(test["score"]),
        "max_score": float(test["max_score"]),
        "status": "passed" if passed else "failed",
        # "text" is shown in a <pre>: tensors keep their alignment, and what the student's code
        # printed can never turn into markup.
        "output": "" if passed and not test.get("output") else feedback(test, book),
        "output_format": "text",
        "tags": [exercise["exercise"], test["id"]],
        # A hidden check's result is shown once the instructor publishes the grades.
        **({"visibility": "after_published"} if test.get("hidden") else {}),
    }


def feedback(test: dict[str, Any], book: Gradebook, *, message: bool = True) -> str:
    """What a check tells the student, as plain text: the message (unless the format shows it apart), the hint,
    what their code printed."""
    parts = [] if test["status"] == "passed" or not message else [test.get("message", "")]
    if test.get("hint"):
        parts.append(f"{book.label('report.hint')}: {test['hint']}")
    if test.get("output"):
        parts.append(f"{book.label('report.output')}:\n{test['output']}")
    return printable("\n".join(p for p in parts if p))


def _summary(student: Student, book: Gradebook) -> str:
    """The top of the page: why nothing was graded, or each exercise's points."""
    if is_error(student):
        return printable(student.get("message", ""))
    lines = [printable(f"{e['exercise']} ({book.exercise_title(e)}): {_num(e['score'])} / {_num(e['max_score'])}")
             for e in student.get("exercises", [])]
    score = sum(float(e["score"]) for e in student.get("exercises", []))
    lines.append(f"{book.label('report.total')}: {_num(score)} / {_num(book.max_score)}")
    if student.get("message"):
        lines.append(printable(student["message"]))
    return "\n".join(lines)


def _num(value: float) -> str:
    return f"{float(value):g}"
