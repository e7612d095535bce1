"""Inside the worker: an exception reduced to plain facts, with only the student's own frames.

What the student reads of an exception raised by their code: its type, message, and the
last line of *their* file (or notebook cell) it went through; the grader's frames, whatever
their names (see neutral.py), are never shown.
"""

from __future__ import annotations

import errno
import traceback
from typing import Any

import torch

from grader.probes import MissingName
from grader.sandbox import notebook, protocol


def describe_exception(exc: BaseException, source: str) -> dict[str, Any]:
    """Plain facts about an exception, with only the student's own frames."""
    def is_student(filename: Any) -> bool:
        return filename == source or (isinstance(filename, str) and notebook.cell_number(filename) is not None)

    try:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if is_student(f.filename)]
    except Exception:  # a traceback the student's code tampered with
        frames = []
    last = frames[-1] if frames else None
    syntax = isinstance(exc, SyntaxError) and is_student(exc.filename)
    if syntax:
        assert isinstance(exc, SyntaxError)
        line, code, where = exc.lineno, str(exc.text or "").strip(), exc.filename
    else:
        line, code = (last.lineno, (last.line or "").strip()) if last else (None, "")
        where = last.filename if last else None
    cell = notebook.cell_number(where) if isinstance(where, str) else None
    if isinstance(exc, MissingName):
        kind = "missing_name"
    elif isinstance(exc, NotImplementedError):
        kind = "not_implemented"
    elif _is_out_of_memory(exc):
        kind = "memory"
    elif isinstance(exc, SystemExit):
        kind = "exit"
    elif isinstance(exc, SyntaxError):
        kind = "syntax"
    else:
        kind = "raised"
    try:
        message = exc.msg if isinstance(exc, SyntaxError) and syntax else str(exc)
    except Exception:  # a hostile __str__
        message = ""
    if kind == "memory" and not message:
        message = protocol.type_name(exc)
    return {
        "kind": kind,
        "exception": protocol.type_name(exc),
        "message": message[:500],
        "line": line if type(line) is int else None,
        "code": code[:200],
        "cell": cell,
        "in_student_code": bool(frames),
    }


def _is_out_of_memory(exc: BaseException) -> bool:
    if isinstance(exc, (MemoryError, torch.OutOfMemoryError)):
        return True
    if isinstance(exc, OSError) and exc.errno == errno.ENOMEM:  # mmap, fork ... over the address-space cap
        return True
    try:
        text = str(exc) if isinstance(exc, RuntimeError) else ""
    except Exception:
        return False
    return "can't allocate memory" in text or "out of memory" in text
