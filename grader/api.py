"""The grader's public operations; the CLI and the tests both call these."""

from __future__ import annotations

from pathlib import Path

from grader.errors import BadOption, DeviceUnavailable
from grader.results import ExerciseReport
from grader.sandbox import runner
from grader.spec import Exercise


def list_exercises() -> list[Exercise]:
    """Every exercise of every bank, in teaching order."""
    from grader import bank

    return bank.all_exercises()


def check(exercise: str, *, file: str | Path | None = None, device: str = "cpu",
          cell_timeout: float | None = None, lang: str = "en", kernel: bool = False) -> ExerciseReport:
    """Grade a submission of `exercise`: `file`, or ./exercises/<exercise>.py.

    Called with no `file` inside Jupyter or Colab, it grades the cells run so far in the
    notebook: their source, run again in the isolated worker (not the live objects).
    With `kernel`, a notebook runs in a real Jupyter kernel (full fidelity, slower).
    """
    from grader import notebook_session

    if notebook_session.active() and not notebook_session.in_sandbox():
        # In the student's kernel: grade in a process of our own, so that nothing of the grading (the
        # references, the exercise's probes, seeds, thread settings) is ever loaded or changed here.
        report = notebook_session.grade_apart(exercise, file=file, device=device, cell_timeout=cell_timeout,
                                              kernel=kernel)
        report._lang = lang
        return report
    if notebook_session.in_sandbox():  # a graded notebook's own grader.check() cell: nothing to do
        return ExerciseReport(exercise=exercise, title="", file="", device=device)
    from grader import bank

    spec = bank.get(exercise)
    runner.warm_up(kernel=kernel)  # the sandbox imports torch while we do
    device = check_device(device)
    from grader import engine, submission

    timeout = runner.CELL_TIMEOUT if cell_timeout is None else cell_timeout
    path = Path(file) if file is not None else Path.cwd() / "exercises" / f"{exercise}.py"
    with submission.prepared(path, exercise) as source:
        report = engine.grade(spec, source, device=device, cell_timeout=timeout, kernel=kernel)
    report._lang = lang
    return report


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
