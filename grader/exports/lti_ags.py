"""LTI 1.3 Assignment and Grade Services: `scores.jsonl`, one Score to POST to `{lineitem}/scores` per line."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from grader.errors import BadOption
from grader.exports.common import Gradebook, Student, is_error, summary, write_atomic
from grader.text import dumps


def write(students: list[Student], out_dir: Path, book: Gradebook) -> list[Path]:
    stamp = timestamp(book.options.lti_timestamp)
    lines = [dumps(score(s, book, stamp)) for s in students]
    return [write_atomic(out_dir / "scores.jsonl", "".join(f"{line}\n" for line in lines))]


def timestamp(when: datetime | None) -> str:
    """ISO-8601 in UTC with milliseconds: platforms ignore a Score older than the one they hold."""
    if when is None:
        when = datetime.now(timezone.utc)
    elif when.tzinfo is None:
        raise BadOption("the LTI timestamp needs a timezone (e.g. 2025-01-31T12:00:00.000+00:00).")
    return when.astimezone(timezone.utc).isoformat(timespec="milliseconds")


def score(student: Student, book: Gradebook, stamp: str) -> dict[str, Any]:
    """One Score. An unreadable submission is `Failed` with no `scoreGiven`: there is no grade to give,
    Canvas ignores `scoreGiven` on a failed Score anyway, and a 0 would read as a graded attempt."""
    result: dict[str, Any] = {"userId": book.identity(student).lms_id}
    if not is_error(student):
        result["scoreGiven"] = round(book.score(student), 6)
    result["scoreMaximum"] = book.max_score
    result["comment"] = summary(student, book)
    result["timestamp"] = stamp
    result["activityProgress"] = "Submitted" if is_error(student) else "Completed"
    result["gradingProgress"] = "Failed" if is_error(student) else "FullyGraded"
    return result

