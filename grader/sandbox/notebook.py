"""Inside the worker: run a notebook's code cells in order in an IPython shell.

Each cell runs with its own time limit, as in Jupyter: a cell that raises or runs out of
time is recorded and the next cell runs, so the definitions of later cells are still
graded. Magics work (`%matplotlib inline`, `%time`, `%%capture` ...); shell escapes
(`!pip install`, `%pip`) are skipped, and plots go to matplotlib's Agg backend, which
never blocks.
"""

from __future__ import annotations

import ast
import linecache
import os
import signal
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from grader.sandbox.processes import reap

CELL_PREFIX = "<notebook cell "  # cells' file names: "<notebook cell 3>" (the 3rd code cell)
MAX_RECORDED = 50  # cells whose failure is reported back
RETRY = 0.5  # seconds between two CellTimeouts in a cell that did not stop at the first
_OWN_FILES = (__file__, "<check>")  # this module's frames' file name, before and after neutral.neutralize


class CellTimeout(Exception):
    """A cell ran out of time (raised in the cell by the worker's alarm)."""


def cell_filename(number: int) -> str:
    return f"{CELL_PREFIX}{number}>"


_NAMED: dict[str, int] = {}  # file names a Jupyter kernel gives cells -> their number


def name_cell(filename: str, number: int) -> None:
    """Code compiled from `filename` is the notebook's code cell `number` (a kernel's own cell names)."""
    _NAMED.setdefault(filename, number)


def cell_number(filename: str) -> int | None:
    """The code cell a frame's file name points to, or None if it is not a cell."""
    if filename in _NAMED:
        return _NAMED[filename]
    if not filename.startswith(CELL_PREFIX) or not filename.endswith(">"):
        return None
    number = filename[len(CELL_PREFIX):-1]
    return int(number) if number.isdigit() else None


def run_cells(cells: list[str], *, timeout: float, skip: frozenset[int],
              describe: Callable[[BaseException], dict[str, Any]],
              started: Callable[[int], None],
              prepare: Callable[[dict[str, Any]], None] = lambda ns: None,
              ) -> tuple[dict[str, Any], list[dict[str, Any]], int]:
    """Run `cells` (1-based numbers, minus `skip`) in one namespace; returns it, the failed cells (at
    most MAX_RECORDED) and how many more failed.

    `started(number)` is called as each cell starts: if the cell takes the process with it,
    the grader knows which one to skip when it runs the notebook again. `prepare(namespace)` runs
    before the first cell (the assignment's setup code).
    """
    os.environ["MPLBACKEND"] = "Agg"
    shell = _shell()
    prepare(shell.user_ns)
    failures: list[dict[str, Any]] = []
    dropped = 0
    for number, source in enumerate(cells, start=1):
        if number in skip:
            continue  # the grader recorded why
        started(number)
        failure = _run_cell(shell, number, source, timeout, describe)
        if failure is not None and failure["status"] == "timeout":
            reap(os.getpid(), None, spare_worker=True)  # what the cell started (a fork bomb) must not run on
        if failure is not None and len(failures) < MAX_RECORDED:
            failures.append(failure)
        elif failure is not None:
            dropped += 1
    return shell.user_ns, failures, dropped


def _run_cell(shell: Any, number: int, source: str, timeout: float,
              describe: Callable[[BaseException], dict[str, Any]]) -> dict[str, Any] | None:
    """Run one cell. If it raises, its later top-level definitions (def, class, import) still run:
    a course's tracking call that fails above a student's function must not hide the function."""
    filename = cell_filename(number)
    try:
        code = shell.transform_cell(source)
        tree = ast.parse(code, filename)
        compiled = compile(tree, filename, "exec")
    except BaseException as exc:  # noqa: BLE001 - a SyntaxError, or a transformer choking on it
        return {"cell": number, "status": "error", **describe(exc)}
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    try:
        with _time_limit(timeout):
            exec(compiled, shell.user_ns)  # noqa: S102 - running student code is the point
    except CellTimeout:
        return {"cell": number, "status": "timeout", "seconds": timeout}
    except BaseException as exc:  # noqa: BLE001 - SystemExit and KeyboardInterrupt too: next cell
        facts, line = describe(exc), _failed_line(exc, filename)
        if line and facts.get("cell") != number:  # it went wrong in another cell's function: the line
            lines = code.splitlines()  # of this cell that called it is the one to show
            facts["line"], facts["code"] = line, lines[line - 1].strip()[:200] if line <= len(lines) else ""
        _define_the_rest(tree, line, filename, shell.user_ns, timeout)
        return {**facts, "cell": number, "status": "error"}
    return None


DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)


def _failed_line(exc: BaseException, filename: str) -> int:
    """The line of the cell's top-level statement that raised (0 if unknown: the whole cell is later)."""
    frame = exc.__traceback__
    while frame is not None:
        if frame.tb_frame.f_code.co_filename == filename:
            return frame.tb_lineno  # the outermost frame in the cell: its top level
        frame = frame.tb_next
    return 0


def _define_the_rest(tree: ast.Module, line: int, filename: str, ns: dict[str, Any], timeout: float) -> None:
    for node in tree.body:
        if node.lineno <= line or not isinstance(node, DEFINITIONS):
            continue
        try:
            with _time_limit(timeout):
                exec(compile(ast.Module([node], type_ignores=[]), filename, "exec"), ns)  # noqa: S102
        except BaseException:  # noqa: BLE001 - the cell's first failure is the one reported
            pass


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Raise CellTimeout in the running cell after `seconds` (wall clock), and again every
    RETRY seconds: where it is swallowed (in an at-fork hook, a `__del__`, a bare `except`),
    the next one may land. Never in the grader's own frames (this module's, where it would skip the
    disarming, or any named by neutral.py in the worker).
    A cell that swallows them all is the grader's to stop (runner.CELL_GRACE)."""
    armed = True

    def expire(signum: int, frame: Any) -> None:
        if armed and (frame is None or frame.f_code.co_filename not in _OWN_FILES):
            raise CellTimeout(f"the cell ran longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.001), RETRY)
    try:
        yield
    finally:
        armed = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _shell() -> Any:
    """An IPython shell without history, GUI event loops or a system shell."""
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    class GradingShell(InteractiveShell):
        def enable_gui(self, gui: Any = None) -> None:
            """No event loop: plots are drawn by Agg (or matplotlib-inline) and never block."""

    config = Config()
    config.HistoryManager.enabled = False
    config.HistoryAccessor.enabled = False
    config.InteractiveShell.colors = "nocolor"
    config.InteractiveShell.autocall = 0
    with warnings.catch_warnings():  # "IPython parent ... is not a writable location": no profile needed
        warnings.simplefilter("ignore")
        shell = GradingShell(config=config)
    skip_shell_commands(shell)
    return shell


def skip_shell_commands(shell: Any) -> None:
    """Shell commands (`!pip install ...`, `%pip`, `%conda`) are skipped: nothing is installed or downloaded."""
    from IPython.utils.text import SList

    def system(cmd: str) -> None:
        """Skipped."""

    def getoutput(cmd: str, split: bool = True, depth: int = 0) -> SList:
        return SList()

    def skipped(line: str) -> None:
        """%pip and %conda are skipped, as shell commands are."""

    shell.system = system
    shell.getoutput = getoutput
    shell.magics_manager.register_function(skipped, "line", "pip")
    shell.magics_manager.register_function(skipped, "line", "conda")
