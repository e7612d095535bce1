"""`grader.check()` inside Jupyter or Colab: grade the cells the student has run so far.

Their source is run again in the isolated worker, exactly like a submitted notebook; the
live objects in the student's kernel are never trusted or touched. The grading itself runs in
a process of its own (`grade_apart`), so the student's kernel is left as it was: no reference
solution is ever imported there, and its RNG states, modules and thread settings are unchanged.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from grader.errors import GraderError
from grader.results import ExerciseReport

SANDBOX_VARIABLE = "GRADER_IN_SANDBOX"  # set in the worker, where grader.check() grades nothing


def in_sandbox() -> bool:
    return os.environ.get(SANDBOX_VARIABLE) == "1"


def active() -> bool:
    """Whether we run in a Jupyter (or Colab) kernel."""
    shell = _shell()
    return shell is not None and getattr(shell, "kernel", None) is not None


def history_cells() -> list[str]:
    """The cells run so far in this kernel, in the order they ran."""
    shell = _shell()
    raw = list(getattr(getattr(shell, "history_manager", None), "input_hist_raw", []) or [])
    return [cell for cell in raw[1:] if isinstance(cell, str) and cell.strip()]


def grade_apart(exercise: str, *, file: str | Path | None, device: str, cell_timeout: float | None,
                kernel: bool) -> ExerciseReport:
    """`grader.check()` run in a fresh process: the cells run so far (or `file`) graded there, the report sent back."""
    request: dict[str, Any] = {"exercise": exercise, "device": device, "cell_timeout": cell_timeout,
                               "kernel": kernel, "file": None if file is None else str(Path(file).resolve())}
    if file is None:
        request["cells"] = history_cells()
    done = subprocess.run([sys.executable, "-c", "from grader.notebook_session import serve_apart; serve_apart()"],
                          input=json.dumps(request), capture_output=True, text=True, cwd=os.getcwd())
    if done.returncode == 0 and done.stdout.strip():
        return ExerciseReport.model_validate_json(done.stdout.strip().splitlines()[-1])
    said = [line for line in done.stderr.splitlines() if line.startswith("grader: ")]
    raise GraderError(said[-1].removeprefix("grader: ") if said else
                      f"the grading process ended without a report (exit code {done.returncode}): "
                      f"{done.stderr.strip()[-300:]}")


def serve_apart() -> None:
    """The other end of `grade_apart`: one request on stdin, the report as JSON on stdout."""
    from grader import api, bank, engine
    from grader.submission import cells_source

    try:
        request = json.loads(sys.stdin.read())
        if request.get("cells") is None:
            report = api.check(request["exercise"], file=request["file"], device=request["device"],
                               cell_timeout=request["cell_timeout"], kernel=request["kernel"])
        else:
            from grader.sandbox import runner

            spec = bank.get(request["exercise"])
            device = api.check_device(request["device"])
            runner.warm_up(kernel=request["kernel"])
            timeout = runner.CELL_TIMEOUT if request["cell_timeout"] is None else request["cell_timeout"]
            with cells_source(request["cells"], shown="this notebook") as source:
                report = engine.grade(spec, source, device=device, cell_timeout=timeout, kernel=request["kernel"])
        sys.stdout.write(report.model_dump_json() + "\n")
        code = 0
    except GraderError as exc:
        sys.stderr.write(f"grader: {exc}\n")
        code = 2
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # the report is out; skip the interpreter's teardown


def _shell() -> Any:
    if "IPython" not in sys.modules:  # never import IPython just to find out
        return None
    from IPython import get_ipython

    return get_ipython()
