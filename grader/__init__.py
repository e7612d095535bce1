"""torchgrader: grades PyTorch exercises by comparing outputs and gradients with a reference."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Public name → the module that defines it. Loaded on first use, so that `grader` (the
# command) can start the sandbox before it imports torch, pydantic or typer.
_EXPORTS = {
    "check": "grader.api",
    "list_exercises": "grader.api",
    "GraderError": "grader.errors",
    "CheckResult": "grader.results",
    "ExerciseReport": "grader.results",
    "ExitCode": "grader.results",
    "Status": "grader.results",
}

__all__ = ["CheckResult", "ExerciseReport", "ExitCode", "GraderError", "Status", "__version__", "check",
           "list_exercises"]

if TYPE_CHECKING:
    from grader.api import check, list_exercises
    from grader.errors import GraderError
    from grader.results import CheckResult, ExerciseReport, ExitCode, Status


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'grader' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
