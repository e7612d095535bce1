"""An assignment's setup code (`setup` in its `[[assignments]]` block): what the course's environment provides.

It runs in the worker, in the student's namespace, before the submission (a .py file, or a
notebook's first cell, in the fast mode and in a kernel). It is the instructor's code: what it
prints is never shown as the student's, and when it raises, that is the instructor's error
(SetupError, naming the config file and the assignment), never a student's failure.

The worker says `setup_done` before any student code runs; a `setup_failed` after it (or from a
worker with no setup) is the student's forgery, and ignored.
"""

from __future__ import annotations

import io
import sys
from dataclasses import dataclass
from typing import Any

from grader.errors import GraderError

FILENAME = "<assignment setup>"  # the setup code's file name in the worker


class SetupError(GraderError):
    """An assignment's setup code failed: the instructor's to fix; nothing was graded."""


@dataclass(frozen=True)
class Setup:
    """Setup code, and where it comes from (for the instructor's error message)."""

    code: str
    origin: str  # "<bank>/torchgrader.toml, assignment 'name'"

    @classmethod
    def of(cls, assignment: str) -> Setup | None:
        """The setup of the assignment `assignment` ("name" or "bank:name"), or None where it has none."""
        from grader import bank
        from grader.bank.config import CONFIG

        where, found = bank.assignment(assignment)
        if not found.setup.strip():
            return None
        return cls(code=found.setup, origin=f"{where.root / CONFIG}, assignment '{found.name}'")

    def failed(self, facts: dict[str, Any]) -> SetupError:
        """The instructor's error for the worker's report `facts` of a failed setup."""
        exception = str(facts.get("exception", ""))[:100] or "an exception"
        line = facts.get("line")
        at = f" (line {line} of the setup)" if type(line) is int else ""
        message = str(facts.get("message", ""))[:300]
        return SetupError(f"{self.origin}: the assignment's setup code raised {exception}{at}: {message}. "
                          "Fix the setup code in that file; no submission was graded.")


def run(code: str, namespace: dict[str, Any]) -> dict[str, Any] | None:
    """Inside the worker: run `code` in `namespace`, its output discarded; what failed, or None."""
    saved = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = io.StringIO()  # the instructor's output is not the student's
    try:
        exec(compile(code, FILENAME, "exec"), namespace)  # noqa: S102 - the assignment's own code
    except BaseException as exc:  # noqa: BLE001 - SystemExit too: the instructor's error, reported
        line = None
        frame = exc.__traceback__
        while frame is not None:
            if frame.tb_frame.f_code.co_filename == FILENAME:
                line = frame.tb_lineno
            frame = frame.tb_next
        if isinstance(exc, SyntaxError) and exc.filename == FILENAME:
            line = exc.lineno
        return {"exception": type(exc).__name__, "message": str(exc)[:300], "line": line}
    finally:
        sys.stdout, sys.stderr = saved
    return None
