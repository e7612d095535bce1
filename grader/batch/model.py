"""One student's result in a batch: the contract's "Batch output" (../shared/EXERCISES.md)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from grader.results import ExerciseReport, Status


class StudentStatus(StrEnum):
    GRADED = "graded"  # whatever the scores
    ERROR = "error"  # the submission could not be read at all; `message` says why


class StudentReport(BaseModel):
    """Every exercise of an assignment graded on one student's submission."""

    model_config = ConfigDict(extra="forbid")

    student: str
    status: StudentStatus
    exercises: list[ExerciseReport] = Field(default_factory=list)
    message: str = ""
    files: list[str] = Field(default_factory=list)  # what was graded, relative to the submissions folder
    content_hash: str = ""  # sha256 of those files: a re-run skips a submission graded with the same hash
    grader_version: str = ""
    duration: float = 0.0

    @property
    def score(self) -> float:
        return sum(e.score for e in self.exercises)

    @property
    def max_score(self) -> float:
        return sum(e.max_score for e in self.exercises)

    @property
    def full_marks(self) -> bool:
        return self.status is StudentStatus.GRADED and all(
            c.status is Status.PASSED for e in self.exercises for c in e.checks)


def student_json(report: StudentReport, lang: str = "en") -> dict[str, Any]:
    """DIR/students/<student>.json: the contract's fields first, then what the gradebook keeps.

    Data that is safe to show and to write as strict JSON (`grader.text.dumps`): text through
    `printable`, no NaN or infinity. `student` and `files` stay as they are: they name things.
    """
    from grader import keys
    from grader.report import to_json
    from grader.text import printable

    return {
        "student": report.student,
        "status": report.status.value,
        "score": report.score,
        "max_score": report.max_score,
        "exercises": [to_json(exercise, lang) for exercise in report.exercises],
        "message": printable(keys.said(report.message, lang)),
        "files": report.files,
        "content_hash": report.content_hash,
        "grader_version": report.grader_version,
        "duration": round(report.duration, 3),
    }
