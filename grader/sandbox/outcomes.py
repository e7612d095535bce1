"""What a check's run came to (Outcome), and the worker's reports reduced to checked fields.

Everything here is built from what a worker sent, which the student's code may have forged:
each field is checked and cut to size before the engine sees it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from grader.results import Status
from grader.sandbox.notebook import MAX_RECORDED


@dataclass
class Outcome:
    """What a worker reported for one probe: observations, or why there are none."""

    status: Status
    observations: dict[str, Any] | None = None
    error: dict[str, Any] = field(default_factory=dict)
    output: str = ""
    duration: float = 0.0


# Errors after which the worker is replaced: it may be stuck, dead, out of memory or lying.
FATAL = {"timeout", "died", "memory", "unreadable"}
_STUDENT_KINDS = {"missing_name", "not_implemented", "memory", "exit", "syntax", "raised"}


def raised(message: dict[str, Any]) -> Outcome:
    """A worker's report of an exception, reduced to the fields the engine reads, each checked."""
    kind = message.get("kind")
    kind = kind if kind in _STUDENT_KINDS else "raised"
    line = message.get("line")
    cell = message.get("cell")
    error = {
        "kind": kind,
        "exception": str(message.get("exception", ""))[:200],
        "message": str(message.get("message", ""))[:500],
        "line": line if type(line) is int else None,
        "code": str(message.get("code", ""))[:200],
        "cell": cell if type(cell) is int else None,
        "in_student_code": message.get("in_student_code") is True,
    }
    return Outcome(Status.MEMORY if kind == "memory" else Status.ERROR, error=error)


def lost_cell(cell: int, outcome: Outcome) -> dict[str, Any]:
    """The record of a notebook cell that ended its worker, in the shape of _cells' entries."""
    error = outcome.error
    if error.get("kind") == "timeout":
        return {"cell": cell, "status": "timeout", "exception": "", "message": "", "line": None, "code": ""}
    if "signal" in error:
        how = f"signal {error['signal']}"
    elif "exit_code" in error:
        how = f"exit code {error['exit_code']}"
    else:
        how = str(error.get("message", ""))[:200]
    return {"cell": cell, "status": "died", "exception": "", "message": how, "line": None, "code": ""}


def failed_cells(reported: Any) -> list[dict[str, Any]]:
    """The worker's list of failed notebook cells, reduced to checked fields."""
    cells: list[dict[str, Any]] = []
    for cell in reported[:MAX_RECORDED] if isinstance(reported, list) else []:
        if not isinstance(cell, dict) or type(cell.get("cell")) is not int:
            continue
        line = cell.get("line")
        cells.append({
            "cell": cell["cell"],
            "status": cell["status"] if cell.get("status") in ("timeout", "died") else "error",
            "exception": str(cell.get("exception", ""))[:200],
            "message": str(cell.get("message", ""))[:300],
            "line": line if type(line) is int else None,
            "code": str(cell.get("code", ""))[:200],
        })
    return cells


def unreadable(why: str) -> Outcome:
    return Outcome(Status.ERROR, error={"kind": "unreadable", "message": why})
