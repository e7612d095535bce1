"""The grader's policy over one submission's worker: limits, reloads, retries, notebook cells.

A Sandbox runs a submission's checks, one probe at a time, in a worker (worker.py) forked
from the forkserver (forkserver.py), and decides what a failure costs:

* every check has a wall-clock limit and the whole submission a budget (BUDGET, so a
  submission that loops in every check still finishes well within two minutes), both
  multiplied by $GRADER_TIMEOUT_SCALE (default 1; tests use less);
* on timeout, death, memory or a garbled message the worker is killed with every process it
  started, and a fresh one (the file loaded again) runs the next check;
* a worker SIGKILLed by something else than the grader (the kernel's OOM killer, say) costs
  no points by itself: that check runs once more on a fresh worker, and is an error only if
  that one dies too (a file whose loading was SIGKILLed is loaded once more, likewise);
* a notebook cell that takes its worker with it (it dies, hangs, or garbles the messages) is
  recorded and skipped, and the notebook runs again without it;
* with `kernel`, the notebook's cells run in a real Jupyter kernel (kernel_cells.py);
* an assignment's setup code (setup.py) runs before the submission: if it raises, SetupError.
"""

from __future__ import annotations

import dataclasses
import json
import os
import secrets
import time
from pathlib import Path
from typing import Any

from grader.results import Status
from grader.sandbox import threads
from grader.sandbox.forkserver import warm_up
from grader.sandbox.notebook import MAX_RECORDED
from grader.sandbox.outcomes import FATAL, Outcome, failed_cells, lost_cell, unreadable
from grader.sandbox.setup import Setup, SetupError
from grader.sandbox.worker import Worker, sandbox_uid

__all__ = ["BUDGET", "CELL_TIMEOUT", "NOTEBOOK_TIMEOUT", "FLOOR", "Outcome", "Sandbox", "Setup", "SetupError",
           "sandbox_uid", "timeout_scale", "warm_up"]

BUDGET = 80.0  # seconds for all the checks of one exercise together (before scaling)
CELL_TIMEOUT = 30.0  # seconds per notebook cell (before scaling), as nbgrader's default
CELL_GRACE = 5.0  # seconds a cell that ignores its time limit gets before its worker is replaced (before scaling)
NOTEBOOK_TIMEOUT = 120.0  # seconds to run all of a notebook's cells (before scaling)
FLOOR = 0.5  # seconds a check (and a reload) still gets once the budget is spent (before scaling)
MAX_CELLS = 100_000  # code cells a notebook may have, as far as counting failures goes
SCALE_VARIABLE = "GRADER_TIMEOUT_SCALE"


def timeout_scale() -> float:
    """$GRADER_TIMEOUT_SCALE: multiplies every time limit of the sandbox (0.05 to 20; default 1)."""
    try:
        scale = float(os.environ.get(SCALE_VARIABLE, "1"))
    except ValueError:
        return 1.0
    return min(max(scale, 0.05), 20.0) if scale == scale else 1.0


def killed_from_outside(outcome: Outcome) -> bool:
    """Whether the worker was SIGKILLed by something other than the grader (which reports its own kills)."""
    return outcome.error.get("kind") == "died" and outcome.error.get("signal") == "SIGKILL"


def _replaces_worker(outcome: Outcome) -> bool:
    """Whether the worker must not run the next check: it may be stuck, dead, out of memory or lying,
    or a thread of the student's code still runs in it."""
    return outcome.error.get("kind") in FATAL or outcome.error.get("exception") == threads.STILL_RUNNING


class Sandbox:
    """A worker with the student's file loaded; runs one probe at a time, restarted when it dies."""

    def __init__(self, *, exercises: tuple[str, ...], source: Path, device: str, memory_mb: int, workdir: Path,
                 load_timeout: float, budget: float = BUDGET, notebook: bool = False,
                 cell_timeout: float = CELL_TIMEOUT, kernel: bool = False, seed: int = 0,
                 torch_threads: int = 1, banks: tuple[str, ...] = (), setup: Setup | None = None) -> None:
        from grader.sandbox.child import Job

        self._scale = timeout_scale()
        self._job = Job(exercises=exercises, source=str(source), device=device, memory_mb=memory_mb,
                        workdir=str(workdir), notebook=notebook, cell_timeout=cell_timeout * self._scale,
                        kernel=kernel and notebook, key=secrets.token_hex(16) if kernel else "",
                        scale=self._scale, seed=seed, torch_threads=torch_threads, banks=banks,
                        setup=setup.code if setup is not None else "")
        self._setup = setup
        self.cells: list[dict[str, Any]] = []  # the notebook's cells that failed, as the first load reported
        self.cells_omitted = 0  # and how many more failed than `cells` lists (MAX_RECORDED)
        self._cells_known = False
        self._lost: dict[int, dict[str, Any]] = {}  # cells that took a loading worker with them
        self._memory_mb = memory_mb
        self._deadline = time.monotonic() + budget * self._scale
        self._load_timeout = load_timeout
        self._worker: Worker | None = None
        self._loaded = False
        self._loaded_at = 0.0
        self._load_deadline = 0.0
        self._load_limit = 0.0
        self._load_failure: Outcome | None = None
        self._load_retried = False
        self._pending: tuple[int, str, float, int] | None = None  # probe, token, submitted at, to which worker
        self._workdir = workdir
        self._started = 0  # workers started so far
        self._kernel_printed = ""  # what the notebook's cells printed in the kernel (nbclient's stream output)
        self.load_output = ""  # what the submission printed while it loaded (the first load), apart from any check's
        self.load_failed = False  # loading failed: every check failed the same way
        self._load_output_kept = False

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def pid(self) -> int | None:
        """The current worker's pid, if one runs."""
        return self._worker.pid if self._worker is not None else None

    def submit(self, probe: int) -> None:
        """Ask the worker to run a probe; `wait` collects it."""
        token = secrets.token_hex(8)
        submitted = time.monotonic()
        sent = 0
        if self._load_failure is None:
            if self._worker is None:
                self._start()
            else:
                self._worker.output.begin()
            if self._loaded or not self._job.kernel:  # a kernel must not get it before its cells have run
                self._command({"probe": probe, "token": token})
                sent = self._started
        self._pending = (probe, token, submitted, sent)

    def wait(self, timeout: float) -> Outcome:
        """The outcome of the submitted probe, at most about `timeout` seconds (scaled) after it started
        (twice that if a worker is SIGKILLed from outside: the check then runs again on a fresh one)."""
        assert self._pending is not None
        probe, token, submitted, sent = self._pending
        self._pending = None
        outcome = self._collect(probe, token, submitted, sent, timeout)
        if killed_from_outside(outcome) and self._load_failure is None:
            self._start()
            outcome = self._collect(probe, secrets.token_hex(8), time.monotonic(), 0, timeout)
        return outcome

    def close(self) -> None:
        if self._worker is not None:
            self._command({"stop": True})
            self._kill()

    # -- internals -------------------------------------------------------------------------

    def _collect(self, probe: int, token: str, submitted: float, sent: int, timeout: float) -> Outcome:
        """Load the worker if need be, send it the request if it does not have it, and take its answer."""
        if not self._loaded and self._load_failure is None:
            self._await_load()
        if sent != self._started and self._load_failure is None:
            self._command({"probe": probe, "token": token})  # not sent yet, or the worker that had it is gone
        if self._load_failure is not None:
            failure = self._load_failure
            return Outcome(failure.status, None, dict(failure.error), failure.output, 0.0)
        assert self._worker is not None
        worker = self._worker
        limit = self._limit(timeout)
        started = max(submitted, self._loaded_at)
        outcome = worker.receive(started + limit, limit, probe, token)
        outcome.duration = time.monotonic() - started
        if outcome.status is Status.PASSED or not _replaces_worker(outcome):
            worker.spare()
        else:
            self._kill()  # a fresh worker for the next check
        outcome.output = worker.output.take()
        return outcome

    def _limit(self, seconds: float) -> float:
        """A check's time limit: its own (scaled), cut to what is left of the budget, but at least FLOOR."""
        own = max(0.0, float(seconds)) * self._scale
        left = self._deadline - time.monotonic()
        return max(min(own, left), min(own, FLOOR * self._scale))

    def _start(self) -> None:
        # Each worker gets a fresh, empty directory: nothing the last one left there (files it
        # owned, under another uid) gets in its way or counts against it.
        self._kill()
        self._started += 1
        folder = self._workdir / f"worker{self._started}"
        folder.mkdir(mode=0o700)
        job = dataclasses.replace(self._job, workdir=str(folder))
        self._worker = Worker(job, folder, memory_mb=self._memory_mb, scale=self._scale,
                              cell_grace=CELL_GRACE * self._scale)
        self._loaded = False
        self._load_limit = self._limit(self._load_timeout)
        self._load_deadline = time.monotonic() + self._load_limit

    def _kill(self) -> None:
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.kill()
        self._loaded = False

    def _command(self, message: dict[str, Any]) -> None:
        if self._worker is not None:
            self._worker.command(message)

    def _await_load(self) -> None:
        while True:
            assert self._worker is not None
            worker = self._worker
            outcome = worker.receive(self._load_deadline, self._load_limit, None, None)
            if outcome.status is Status.PASSED and self._job.kernel:
                outcome = self._run_in_kernel(worker)
            if outcome.status is Status.PASSED:
                break
            if outcome.error.get("kind") == "setup" and self._setup is not None:
                self._kill()  # the instructor's setup code failed: nothing of the submission ran
                raise self._setup.failed(outcome.error)
            cell = worker.cell
            if cell is None and killed_from_outside(outcome) and not self._load_retried:
                self._load_retried = True  # SIGKILLed from outside (the OOM killer?): load it once more
            elif cell is None or cell in self._job.skip_cells or outcome.error.get("kind") not in FATAL:
                # A file that cannot be loaded fails every check the same way; don't retry it.
                outcome.error["during_load"] = True
                self._kill()
                self._keep_load_output(worker)
                self.load_failed = True
                self._load_failure = outcome
                return
            else:
                # A notebook cell took the worker with it (it died, hung, or garbled its messages): like
                # a cell that raises, it is recorded, and the notebook runs again without it.
                self._lost[cell] = lost_cell(cell, outcome)
                self._job = dataclasses.replace(self._job, skip_cells=self._job.skip_cells | {cell})
            self._start()
        self._keep_load_output(worker)
        if self._job.kernel:
            worker.output.begin()  # what reached the checks' pipe while the cells ran is not a check's
        self._loaded = True
        self._loaded_at = time.monotonic()
        if self._job.notebook and not self._cells_known:
            self._note_cells(outcome.observations or {})

    def _keep_load_output(self, worker: Worker) -> None:
        """What the first load printed, for the report (never a check's output). In a kernel, the cells'
        output is what nbclient received; what the worker's own pipe got then is the kernel's start-up."""
        if self._job.kernel:
            printed = self._kernel_printed
        else:
            worker.load_output.settle()  # it flushed before it said so: its load output is in the pipe
            printed = worker.load_output.take()
        if not self._load_output_kept:
            self.load_output, self._load_output_kept = printed, True

    def _note_cells(self, observations: dict[str, Any]) -> None:
        """Keep the notebook's failed cells, as the first load reported them."""
        self._cells_known = True
        reported = [c for c in failed_cells(observations.get("cells")) if c["cell"] not in self._lost]
        failed = sorted(reported + list(self._lost.values()), key=lambda c: int(c["cell"]))
        dropped = observations.get("dropped")
        self.cells = failed[:MAX_RECORDED]
        dropped = min(dropped, MAX_CELLS) if type(dropped) is int and dropped > 0 else 0  # the worker's word
        self.cells_omitted = len(failed) - len(self.cells) + dropped
        # A fresh worker (after a check's timeout) need not wait for the same slow cells again.
        timed_out = frozenset(c["cell"] for c in self.cells if c["status"] == "timeout")
        self._job = dataclasses.replace(self._job, skip_cells=self._job.skip_cells | timed_out)

    def _run_in_kernel(self, worker: Worker) -> Outcome:
        """Full fidelity: the worker's kernel is up; run the notebook's cells in it with nbclient."""
        from grader.sandbox import kernel, kernel_cells

        try:
            cells = json.loads(Path(self._job.source).read_bytes())
            ran = kernel_cells.run(
                cells, kernel.connection_info(str(worker.folder), self._job.key), pid=worker.pid,
                alive=worker.alive, timeout=self._job.cell_timeout, grace=CELL_GRACE * self._scale,
                skip=self._job.skip_cells, deadline=self._load_deadline, scale=self._scale)
        except TimeoutError:
            return worker.memory() or Outcome(Status.TIMEOUT, error={"kind": "timeout", "seconds": self._load_limit})
        except Exception as exc:  # noqa: BLE001 - the kernel failed us (its messages are the student's)
            return worker.memory() or (worker.died() if not worker.alive() else unreadable(str(exc)[:200]))
        self._kernel_printed = ran.printed
        if ran.lost is None:
            return Outcome(Status.PASSED, observations={"cells": ran.failures[:MAX_RECORDED],
                                                        "dropped": max(0, len(ran.failures) - MAX_RECORDED)})
        worker.cell = ran.lost
        if ran.stuck:
            return Outcome(Status.TIMEOUT, error={"kind": "timeout", "seconds": self._job.cell_timeout})
        return worker.died()
