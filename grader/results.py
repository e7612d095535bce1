"""The one result model: what a check found, and an exercise's report."""

from __future__ import annotations

from enum import IntEnum, StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr


class Status(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"  # student code raised
    TIMEOUT = "timeout"
    MEMORY = "memory"  # memory limit hit
    SKIPPED = "skipped"  # a check it depends on failed


class ExitCode(IntEnum):
    FULL_MARKS = 0
    POINTS_LOST = 1
    CANNOT_START = 2


class Feedback(BaseModel):
    """What a check tells the student: the five parts, as message ids and their values.

    Each part is `(message_id, params)`; `report.py` turns them into words in the
    student's language. `called` says what was called, `expected`/`got` the two sides,
    `where` the first place they differ, `hint` the likely mistake.
    """

    model_config = ConfigDict(extra="forbid")

    summary: tuple[str, dict[str, Any]]
    called: str = ""
    expected: tuple[str, dict[str, Any]] | None = None
    got: tuple[str, dict[str, Any]] | None = None
    where: tuple[str, dict[str, Any]] | None = None
    hint: str | None = None
    hint_facts: dict[str, Any] = Field(default_factory=dict)  # the hint's placeholders, if it has any
    output: str = ""  # the last lines of what the student's code printed during the check
    output_omitted: int = 0  # earlier lines of it not kept
    # the known mistakes (grader.mistakes) the result looks like: (<exercise>.mistake.<mutant>, facts)
    mistakes: list[tuple[str, dict[str, Any]]] = Field(default_factory=list)


class CheckResult(BaseModel):
    """The outcome of one check."""

    model_config = ConfigDict(extra="forbid")

    id: str
    title: str
    status: Status
    score: float
    max_score: float
    feedback: Feedback | None = None
    margin: float | None = None  # observed error / allowed error, for `grader validate`
    duration: float = 0.0
    hidden: bool = False  # a hidden check: only its title and a fixed sentence are shown


class CellFailure(BaseModel):
    """A notebook cell that raised, ran out of time or ended the notebook's process; the cells after it still ran."""

    model_config = ConfigDict(extra="forbid")

    cell: int  # 1-based, counting code cells only
    status: Literal["error", "timeout", "died"]
    exception: str = ""
    message: str = ""
    line: int | None = None
    code: str = ""


class ExerciseReport(BaseModel):
    """Every check of one exercise graded on one submission."""

    model_config = ConfigDict(extra="forbid")

    exercise: str
    title: str
    file: str
    device: str
    checks: list[CheckResult] = Field(default_factory=list)
    duration: float = 0.0
    cells: list[CellFailure] = Field(default_factory=list)  # notebook cells that failed
    cells_omitted: int = 0  # more cells failed than `cells` lists
    load_output: str = ""  # the last lines of what the submission printed while it loaded (never a check's output)
    load_output_omitted: int = 0  # earlier lines of it not kept
    load_failed: bool = False  # the submission could not be loaded (so every check failed the same way)
    isolation: dict[str, Any] = Field(default_factory=dict)  # what the machine let the sandbox confine (the grader's facts)
    hidden_later: list[tuple[str, float]] = Field(default_factory=list)  # a pack's hidden checks (title, points): graded later

    @property
    def score(self) -> float:
        return sum(c.score for c in self.checks)

    @property
    def max_score(self) -> float:
        return sum(c.max_score for c in self.checks)

    @property
    def exit_code(self) -> ExitCode:
        full = all(c.status is Status.PASSED for c in self.checks)
        return ExitCode.FULL_MARKS if full else ExitCode.POINTS_LOST

    def _repr_html_(self) -> str:
        """Jupyter shows the report as a table."""
        from grader.report import to_html

        return to_html(self, self._lang)

    _lang: str = PrivateAttr(default="en")
