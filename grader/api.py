"""The grader's public operations; the CLI and the tests both call these."""

from __future__ import annotations

from pathlib import Path

from grader import bank
from grader.errors import BadOption, DeviceUnavailable
from grader.results import ExerciseReport
from grader.sandbox import runner
from grader.spec import Exercise


def list_exercises() -> list[Exercise]:
    """Every exercise of the bank, in teaching order."""
    return bank.all_exercises()


def check(exercise: str, *, file: str | Path | None = None, device: str = "cpu") -> ExerciseReport:
    """Grade a submission of `exercise`: `file`, or ./exercises/<exercise>.py."""
    runner.warm_up()  # first: the sandbox imports torch while we do
    spec = bank.get(exercise)
    path = Path(file) if file is not None else Path.cwd() / "exercises" / f"{exercise}.py"
    device = check_device(device)
    from grader import engine, submission

    with submission.prepared(path, exercise) as source:
        return engine.grade(spec, source, device=device, shown_file=str(path))


def check_device(device: str) -> str:
    """`device` if this machine has it; DeviceUnavailable or BadOption otherwise."""
    kind = device.split(":")[0]
    if kind not in ("cpu", "cuda"):
        raise BadOption(f"--device {device}: use 'cpu' or 'cuda'.")
    if kind == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise DeviceUnavailable(device)
    return device
