"""torchgrader: grades PyTorch exercises by comparing outputs and gradients with a reference."""

from grader.api import check, list_exercises
from grader.errors import GraderError
from grader.results import CheckResult, ExerciseReport, ExitCode, Status

__version__ = "0.1.0"

__all__ = [
    "CheckResult",
    "ExerciseReport",
    "ExitCode",
    "GraderError",
    "Status",
    "__version__",
    "check",
    "list_exercises",
]
