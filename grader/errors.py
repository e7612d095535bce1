"""Errors of the grader itself. Student mistakes are statuses, not exceptions.

* GraderError            the grading could not start: one line on stderr, exit 2, no traceback
  x UnknownExercise      carries close matches
  x SubmissionNotFound   the file to grade does not exist or is not readable
  x DeviceUnavailable    --device cuda without CUDA
  x BadOption            an option value the grader cannot use
  x OutputUnwritable     the results cannot be written (a full disk, an unwritable --out)
"""

from __future__ import annotations


class GraderError(Exception):
    """The grading could not start."""


class UnknownExercise(GraderError):
    def __init__(self, name: str, close: list[str]) -> None:
        self.name = name
        self.close = close
        hint = f" Did you mean '{close[0]}'?" if close else ""
        super().__init__(f"unknown exercise '{name}'.{hint} Run 'grader list' to see them all.")


class SubmissionNotFound(GraderError):
    def __init__(self, path: str, exercise: str) -> None:
        self.path = path
        super().__init__(
            f"{path}: no such file to grade for exercise '{exercise}'. "
            f"Run 'grader init' to copy the exercise stubs here, or pass --file PATH."
        )


class DeviceUnavailable(GraderError):
    def __init__(self, device: str) -> None:
        super().__init__(
            f"--device {device} was asked for, but PyTorch sees no {device.upper()} device here. "
            "Grade on the CPU (the default) or run on a machine with a GPU."
        )


class BadOption(GraderError):
    """An option value the grader cannot use."""


class OutputUnwritable(GraderError):
    """The results cannot be written: a full disk or an unwritable output folder."""
