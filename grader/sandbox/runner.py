"""The grader side of the sandbox: start workers, time them, kill them, read what they send.

Workers are forked from a `multiprocessing` forkserver that has already imported torch
and the bank. It is started before the grader imports torch itself, so both imports run
at once; a worker then costs a fork (~10 ms), not an interpreter and a torch import.

Everything a worker sends is untrusted: the student's code runs in that process and can
forge, garble or withhold any message. So the grader

* reads messages with its own framing and a deadline (a half-written message cannot hang
  it), of bounded size, parsed as JSON plus raw tensor bytes (nothing is unpickled);
* matches each answer to the request it sent (probe number and a fresh random token), and
  ignores anything else: stale answers, answers from processes the student forked;
* gives every check a wall-clock limit and the whole submission a budget (BUDGET, so a
  submission that loops in every check still finishes well within two minutes), both
  multiplied by $GRADER_TIMEOUT_SCALE (default 1; tests use less);
* watches the memory of all the worker's processes together (the worker's own
  RLIMIT_AS catches the usual case with a clean MemoryError), and the size of its
  directory (a fresh one per worker, removed when it ends);
* kills, on timeout, death, memory or garbled messages, the worker and every process it
  started: its process group, its descendants (it is their subreaper) and, when the
  grader is root, every process of the worker's private uid; then starts a fresh worker
  for the next check;
* drains the worker's stdout/stderr in a thread, keeping a bounded head and tail per check.
"""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
import os
import secrets
import select
import shutil
import signal
import struct
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from grader.errors import GraderError
from grader.sandbox.notebook import MAX_RECORDED
from grader.results import Status
from grader.sandbox.processes import (
    DISK_LIMIT, FILES_LIMIT, PR_SET_DUMPABLE, Watchdog, prctl, reap,
)

PRELOAD = ["torch", "grader.sandbox.child"]
# What notebooks use, imported once in the forkserver rather than in every worker; torch._dynamo is
# what a notebook's first torch.optim optimizer imports (about a second).
NOTEBOOK_PRELOAD = ("IPython.core.interactiveshell", "matplotlib.pyplot", "torch._dynamo")
KERNEL_PRELOAD = ("ipykernel.kernelapp",)
MAX_MESSAGE = 320 * 2**20  # one message: JSON facts plus at most 256 MB of tensors
OUTPUT_HEAD = 1000  # bytes of what the student printed kept per check: the start ...
OUTPUT_TAIL = 3000  # ... and the end
BUDGET = 80.0  # seconds for all the checks of one exercise together (before scaling)
CELL_TIMEOUT = 30.0  # seconds per notebook cell (before scaling), as nbgrader's default
CELL_GRACE = 5.0  # seconds a cell that ignores its time limit gets before its worker is replaced (before scaling)
NOTEBOOK_TIMEOUT = 120.0  # seconds to run all of a notebook's cells (before scaling)
FLOOR = 0.5  # seconds a check (and a reload) still gets once the budget is spent (before scaling)
TRANSFER_GRACE = 10.0  # seconds to receive the rest of a message once it has started
MAX_CELLS = 100_000  # code cells a notebook may have, as far as counting failures goes
MEMORY_SLACK = 1.25  # the watchdog allows this times the exercise's memory_mb
SANDBOX_UID_BASE = 2**30  # a root grader runs each worker as uid/gid SANDBOX_UID_BASE + its pid
SCALE_VARIABLE = "GRADER_TIMEOUT_SCALE"


def sandbox_uid(pid: int) -> int:
    """The uid (and gid) a worker with this pid runs as when the grader is root."""
    return SANDBOX_UID_BASE + pid


def timeout_scale() -> float:
    """$GRADER_TIMEOUT_SCALE: multiplies every time limit of the sandbox (0.05 to 20; default 1)."""
    try:
        scale = float(os.environ.get(SCALE_VARIABLE, "1"))
    except ValueError:
        return 1.0
    return min(max(scale, 0.05), 20.0) if scale == scale else 1.0


def warm_up(*, notebooks: bool = False, kernel: bool = False) -> None:
    """Start the forkserver now, so that it imports torch while the grader does too.

    With `notebooks`, it also imports what notebooks use (IPython, matplotlib with the Agg
    backend), once, instead of in every worker, and with `kernel` ipykernel too; a forkserver
    already running is kept.
    """
    if os.geteuid() != 0:
        # Without a uid of their own, workers could otherwise open /proc/<grader>/fd/1
        # where Landlock is missing; a non-dumpable process refuses that.
        prctl(PR_SET_DUMPABLE, 0)
    _ensure_server((NOTEBOOK_PRELOAD if notebooks or kernel else ()) + (KERNEL_PRELOAD if kernel else ()))


def _ensure_server(extra: tuple[str, ...] = ()) -> None:
    """Start the forkserver if it is not running, without handing it our stdout.

    The forkserver (and the resource tracker it starts) inherit descriptors 0-2. With our
    stderr as their stdout, nothing they print, nor anything a worker could reach through
    them, can land in our stdout, which is reserved for the JSON report.
    """
    from multiprocessing import forkserver

    if _server_alive(forkserver._forkserver):
        return  # the usual case: no need to touch our descriptors
    multiprocessing.set_forkserver_preload(PRELOAD + list(extra))
    try:
        sys.stdout.flush()
    except Exception:
        pass
    try:
        saved = os.dup(1)
    except OSError:  # no stdout at all
        with main_hidden():
            forkserver.ensure_running()
        return
    try:
        try:
            os.dup2(2, 1)
        except OSError:
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, 1)
            os.close(null)
        with main_hidden(), _backend("Agg" if extra else None):
            forkserver.ensure_running()
    finally:
        os.dup2(saved, 1)
        os.close(saved)


@contextmanager
def _children_allowed() -> Iterator[None]:
    """Let a daemonic process (a Dask worker, say) start sandbox workers: the sandbox kills and
    reaps its workers itself, which is what multiprocessing's rule against it protects."""
    me: Any = multiprocessing.current_process()
    daemon = me._config.get("daemon")
    me._config["daemon"] = False
    try:
        yield
    finally:
        if daemon:
            me._config["daemon"] = daemon


@contextmanager
def _backend(name: str | None) -> Iterator[None]:
    """$MPLBACKEND for the forkserver we start (it preloads matplotlib), ours left as it was."""
    saved = os.environ.get("MPLBACKEND")
    if name is not None:
        os.environ["MPLBACKEND"] = name
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("MPLBACKEND", None)
        else:
            os.environ["MPLBACKEND"] = saved


_MAIN_LOCK = threading.Lock()


@contextmanager
def main_hidden() -> Iterator[None]:
    """Hide the caller's main script from multiprocessing while it starts a process.

    multiprocessing re-runs the parent's `__main__` in the forkserver and in every process it
    starts (its "safe importing of main module" rule). Workers need none of it, and a
    script that calls `grader.check()` without an `if __name__ == "__main__":` guard would
    otherwise run again, recursively, in every worker.
    """
    main = sys.modules.get("__main__")
    with _MAIN_LOCK:
        if main is None:
            yield
            return
        saved: dict[str, Any] = {key: main.__dict__[key] for key in ("__file__", "__spec__") if key in main.__dict__}
        main.__dict__.pop("__file__", None)
        main.__dict__["__spec__"] = None
        try:
            yield
        finally:
            main.__dict__.pop("__spec__", None)
            main.__dict__.update(saved)


def _server_alive(server: Any) -> bool:
    """Whether the forkserver we started is still running (without reaping it if it is not)."""
    pid = getattr(server, "_forkserver_pid", None)
    if pid is None:
        return False
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None
    except ChildProcessError:
        return False


@dataclass
class Outcome:
    """What a worker reported for one probe: observations, or why there are none."""

    status: Status
    observations: dict[str, Any] | None = None
    error: dict[str, Any] = field(default_factory=dict)
    output: str = ""
    duration: float = 0.0


class _Output:
    """Drains a worker's stdout/stderr pipe so it never blocks, keeping a head and a tail per check."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._fd = conn.fileno()
        self._lock = threading.Lock()
        self._head = bytearray()
        self._tail = bytearray()
        self._cut = False
        self._eof = threading.Event()
        self._thread = threading.Thread(target=self._drain, name="sandbox-output", daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        try:
            while True:
                try:
                    _readable(self._fd, -1)  # wait outside the lock; read and keep under it (see settle)
                except (OSError, ValueError):
                    return
                with self._lock:
                    try:
                        chunk = os.read(self._fd, 65536)
                    except OSError:
                        return
                    if not chunk:
                        return
                    room = OUTPUT_HEAD - len(self._head)
                    if room > 0:
                        self._head += chunk[:room]
                        chunk = chunk[room:]
                    if chunk:
                        self._tail += chunk
                        if len(self._tail) > OUTPUT_TAIL:
                            del self._tail[: len(self._tail) - OUTPUT_TAIL]
                            self._cut = True
        finally:
            self._eof.set()

    def begin(self) -> None:
        """Start collecting a new check's output."""
        with self._lock:
            self._head, self._tail, self._cut = bytearray(), bytearray(), False

    def settle(self, timeout: float = 0.3) -> None:
        """Wait until the drain thread has kept what the worker wrote before its answer.

        The worker flushes its output before it answers, so it is in the pipe by now: once the
        pipe is empty and the drain thread holds no chunk (it reads under the lock), it is kept.
        """
        deadline = time.monotonic() + timeout
        while not self._eof.is_set() and time.monotonic() < deadline:
            try:
                if not _readable(self._fd, 0.0):
                    break
            except (OSError, ValueError):
                break
            time.sleep(0.001)
        with self._lock:
            pass

    def take(self) -> str:
        with self._lock:
            raw = bytes(self._head) + (b"\n[...]\n" if self._cut else b"") + bytes(self._tail)
        return raw.decode("utf-8", "replace")

    def finish(self, timeout: float = 0.5) -> None:
        """Wait (a little) for the end of the output, then let go of the pipe."""
        if self._eof.wait(timeout):
            self._conn.close()
        # Otherwise a process we could not kill still holds the pipe: the daemon thread keeps
        # draining it, and the descriptor is left open so that its number is not reused.


class _Incomplete(Exception):
    """A message started but did not finish in time."""


class Sandbox:
    """A worker with the student's file loaded; runs one probe at a time, restarted when it dies."""

    def __init__(self, *, exercises: tuple[str, ...], source: Path, device: str, memory_mb: int, workdir: Path,
                 load_timeout: float, budget: float = BUDGET, notebook: bool = False,
                 cell_timeout: float = CELL_TIMEOUT, kernel: bool = False) -> None:
        from grader.sandbox.child import Job

        self._job = Job(exercises=exercises, source=str(source), device=device, memory_mb=memory_mb,
                        workdir=str(workdir), notebook=notebook, cell_timeout=cell_timeout * timeout_scale(),
                        kernel=kernel and notebook, key=secrets.token_hex(16) if kernel else "")
        self.cells: list[dict[str, Any]] = []  # the notebook's cells that failed, as the first load reported
        self.cells_omitted = 0  # and how many more failed than `cells` lists (MAX_RECORDED)
        self._cells_known = False
        self._cell: int | None = None  # the notebook cell the loading worker last said it started
        self._cell_deadline = float("inf")
        self._lost: dict[int, dict[str, Any]] = {}  # cells that took a loading worker with them
        self._memory_mb = memory_mb
        self._scale = timeout_scale()
        self._deadline = time.monotonic() + budget * self._scale
        self._load_timeout = load_timeout
        self._process: Any = None
        self._pid = 0
        self._uid: int | None = None
        self._output: _Output | None = None
        self._watchdog: Watchdog | None = None
        self._commands: Connection | None = None
        self._events: Connection | None = None
        self._loaded = False
        self._loaded_at = 0.0
        self._load_deadline = 0.0
        self._load_limit = 0.0
        self._load_failure: Outcome | None = None
        self._pending: tuple[int, str, float, int] | None = None  # probe, token, submitted at, to which worker
        self._workdir = workdir
        self._started = 0  # workers started so far
        self._folder: Path | None = None  # the current worker's own directory, inside workdir

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def submit(self, probe: int) -> None:
        """Ask the worker to run a probe; `wait` collects it."""
        token = secrets.token_hex(8)
        submitted = time.monotonic()
        sent = 0
        if self._load_failure is None:
            if self._process is None:
                self._start()  # its output so far (printed at import) goes with this check
            elif self._output is not None:
                self._output.begin()
            if self._loaded or not self._job.kernel:  # a kernel must not get it before its cells have run
                self._command({"probe": probe, "token": token})
                sent = self._started
        self._pending = (probe, token, submitted, sent)

    def wait(self, timeout: float) -> Outcome:
        """The outcome of the submitted probe, at most about `timeout` seconds (scaled) after it started."""
        assert self._pending is not None
        probe, token, submitted, sent = self._pending
        self._pending = None
        if not self._loaded and self._load_failure is None:
            self._await_load()
        if sent != self._started and self._load_failure is None:
            self._command({"probe": probe, "token": token})  # not sent yet, or the worker that had it is gone
        if self._load_failure is not None:
            failure = self._load_failure
            return Outcome(failure.status, None, dict(failure.error), failure.output, 0.0)
        limit = self._limit(timeout)
        started = max(submitted, self._loaded_at)
        outcome = self._receive(started + limit, limit, probe, token)
        outcome.duration = time.monotonic() - started
        if outcome.status is Status.PASSED or outcome.error.get("kind") not in _FATAL:
            reap(self._pid, self._uid, spare_worker=True)
            if self._output is not None:
                self._output.settle()
        else:
            self._kill()  # a fresh worker for the next check
        outcome.output = self._output.take() if self._output is not None else ""
        return outcome

    def close(self) -> None:
        if self._process is not None:
            self._command({"stop": True})
            self._kill()

    # -- internals -------------------------------------------------------------------------

    def _limit(self, seconds: float) -> float:
        """A check's time limit: its own (scaled), cut to what is left of the budget, but at least FLOOR."""
        own = max(0.0, float(seconds)) * self._scale
        left = self._deadline - time.monotonic()
        return max(min(own, left), min(own, FLOOR * self._scale))

    def _start(self) -> None:
        from grader.sandbox import child

        # Each worker gets a fresh, empty directory: nothing the last one left there (files it
        # owned, under another uid) gets in its way or counts against it.
        self._started += 1
        self._folder = self._workdir / f"worker{self._started}"
        self._folder.mkdir(mode=0o700)
        job = dataclasses.replace(self._job, workdir=str(self._folder))
        ctx = multiprocessing.get_context("forkserver")
        for attempt in range(2):
            commands_r, commands_w = ctx.Pipe(duplex=False)
            events_r, events_w = ctx.Pipe(duplex=False)
            output_r, output_w = ctx.Pipe(duplex=False)
            process = ctx.Process(target=child.serve, args=(job, commands_r, events_w, output_w),
                                  daemon=True, name="grader-sandbox")
            try:
                _ensure_server()
                with main_hidden(), _children_allowed():
                    process.start()
                break
            except Exception as exc:  # the forkserver died: start it again, once
                for end in (commands_r, commands_w, events_r, events_w, output_r, output_w):
                    end.close()
                if attempt:
                    raise GraderError(f"the sandbox could not start a worker ({type(exc).__name__}: {exc}).") from None
        for end in (commands_r, events_w, output_w):
            end.close()
        os.set_blocking(commands_w.fileno(), False)  # a worker that stops reading cannot block us
        self._process, self._pid = process, int(process.pid or 0)
        self._uid = sandbox_uid(self._pid) if os.geteuid() == 0 else None
        self._commands, self._events = commands_w, events_r
        self._output = _Output(output_r)
        self._watchdog = Watchdog(self._pid, self._uid, int(self._memory_mb * 2**20 * MEMORY_SLACK), self._folder)
        self._loaded = False
        self._cell = None
        self._cell_deadline = float("inf")
        self._load_limit = self._limit(self._load_timeout)
        self._load_deadline = time.monotonic() + self._load_limit

    def _command(self, message: dict[str, Any]) -> None:
        if self._commands is None:
            return
        try:
            self._commands.send_bytes(json.dumps(message).encode())
        except (OSError, ValueError):
            pass  # the worker is gone or not listening: `wait` finds out

    def _await_load(self) -> None:
        while True:
            outcome = self._receive(self._load_deadline, self._load_limit, None, None)
            if outcome.status is Status.PASSED and self._job.kernel:
                outcome = self._run_in_kernel()
            if outcome.status is Status.PASSED:
                break
            cell = self._cell
            if cell is None or cell in self._job.skip_cells or outcome.error.get("kind") not in _FATAL:
                # A file that cannot be loaded fails every check the same way; don't retry it.
                outcome.error["during_load"] = True
                self._kill()
                outcome.output = self._output.take() if self._output is not None else ""
                self._load_failure = outcome
                return
            # A notebook cell took the worker with it (it died, hung, or garbled its messages): like
            # a cell that raises, it is recorded, and the notebook runs again without it.
            self._lost[cell] = _lost_cell(cell, outcome)
            self._job = dataclasses.replace(self._job, skip_cells=self._job.skip_cells | {cell})
            self._kill()
            self._start()
        self._loaded = True
        self._loaded_at = time.monotonic()
        if self._job.notebook and not self._cells_known:
            self._cells_known = True
            observations = outcome.observations or {}
            reported = [c for c in _cells(observations.get("cells")) if c["cell"] not in self._lost]
            failed = sorted(reported + list(self._lost.values()), key=lambda c: int(c["cell"]))
            dropped = observations.get("dropped")
            self.cells = failed[:MAX_RECORDED]
            dropped = min(dropped, MAX_CELLS) if type(dropped) is int and dropped > 0 else 0  # the worker's word
            self.cells_omitted = len(failed) - len(self.cells) + dropped
            # A fresh worker (after a check's timeout) need not wait for the same slow cells again.
            timed_out = frozenset(c["cell"] for c in self.cells if c["status"] == "timeout")
            self._job = dataclasses.replace(self._job, skip_cells=self._job.skip_cells | timed_out)

    def _run_in_kernel(self) -> Outcome:
        """Full fidelity: the worker's kernel is up; run the notebook's cells in it with nbclient."""
        from grader.sandbox import kernel, kernel_cells

        assert self._folder is not None
        try:
            cells = json.loads(Path(self._job.source).read_bytes())
            ran = kernel_cells.run(
                cells, kernel.connection_info(str(self._folder), self._job.key), pid=self._pid, alive=self._alive,
                timeout=self._job.cell_timeout, grace=CELL_GRACE * self._scale, skip=self._job.skip_cells,
                deadline=self._load_deadline, scale=self._scale)
        except TimeoutError:
            return self._memory() or Outcome(Status.TIMEOUT, error={"kind": "timeout", "seconds": self._load_limit})
        except Exception as exc:  # noqa: BLE001 - the kernel failed us (its messages are the student's)
            return self._memory() or (self._died() if not self._alive() else _unreadable(str(exc)[:200]))
        if ran.lost is None:
            return Outcome(Status.PASSED, observations={"cells": ran.failures[:MAX_RECORDED],
                                                        "dropped": max(0, len(ran.failures) - MAX_RECORDED)})
        self._cell = ran.lost
        if ran.stuck:
            return Outcome(Status.TIMEOUT, error={"kind": "timeout", "seconds": self._job.cell_timeout})
        return self._died()

    def _alive(self) -> bool:
        """Whether the worker still runs (and the watchdog has not stopped it)."""
        watchdog = self._watchdog
        return self._process is not None and self._process.is_alive() and not (watchdog and watchdog.tripped.is_set())

    def _receive(self, deadline: float, limit: float, probe: int | None, token: str | None) -> Outcome:
        """The answer to this probe (or to loading, when `probe` is None), by `deadline`."""
        while True:
            try:
                frame = self._read_frame(deadline if probe is not None else min(deadline, self._cell_deadline))
            except _Incomplete:
                return self._memory() or _unreadable("the answer was cut off")
            except TimeoutError:
                return self._memory() or Outcome(Status.TIMEOUT, error={"kind": "timeout", "seconds": limit})
            except (EOFError, OSError):
                return self._died()
            except ValueError:
                return _unreadable("a garbled message")
            head, _, blob = frame.partition(b"\n")
            try:
                message = json.loads(head)
            except (ValueError, RecursionError):
                return _unreadable("a garbled message")
            if not isinstance(message, dict):
                return _unreadable("a garbled message")
            event = message.get("event")
            if probe is None:
                if event == "cell" and type(message.get("cell")) is int:
                    self._cell = message["cell"]  # the notebook cell now running, and when it must be done by
                    self._cell_deadline = time.monotonic() + self._job.cell_timeout + CELL_GRACE * self._scale
                elif event == "loaded":
                    return Outcome(Status.PASSED, observations={"cells": message.get("cells"),
                                                                "dropped": message.get("cells_dropped")})
                elif event == "load_failed":
                    return _raised(message)
                continue  # an answer while loading is forged (no request was sent yet): ignored
            if event not in ("done", "raised") or message.get("probe") != probe or message.get("token") != token:
                continue  # stale, or sent by something other than the worker's loop: not this answer
            if event == "raised":
                return _raised(message)
            return self._decode(message.get("observations"), blob)

    def _read_frame(self, deadline: float) -> bytearray:
        """One message as `Connection.send_bytes` frames it: a length, then that many bytes."""
        if self._events is None:
            raise EOFError
        fd = self._events.fileno()
        size = struct.unpack("!i", _read_exact(fd, 4, deadline, first=True))[0]
        grace = time.monotonic() + TRANSFER_GRACE * max(self._scale, 1.0)
        if size == -1:
            size = struct.unpack("!Q", _read_exact(fd, 8, grace))[0]
        if not 0 <= size <= MAX_MESSAGE:
            raise ValueError("bad message size")
        return _read_exact(fd, size, grace)

    def _decode(self, facts: Any, blob: bytes | bytearray) -> Outcome:
        from grader.sandbox import protocol

        try:
            observations = protocol.decode(facts, blob)
        except Exception as exc:  # a forged or truncated result is the student's failure
            return _unreadable(str(exc)[:200] if isinstance(exc, ValueError) else type(exc).__name__)
        return Outcome(Status.PASSED, observations=observations)

    def _memory(self) -> Outcome | None:
        """Why the watchdog stopped the worker, if it did."""
        watchdog = self._watchdog
        if watchdog is None or not watchdog.tripped.is_set():
            return None
        if watchdog.disk is not None:
            size, count = watchdog.disk
            return Outcome(Status.ERROR, error={
                "kind": "raised", "exception": "DiskQuotaExceeded", "line": None, "code": "",
                "message": f"it wrote {count} files, {size // 2**20} MB in all (at most {FILES_LIMIT} files "
                           f"and {DISK_LIMIT // 2**20} MB), and was stopped"})
        used = watchdog.used // 2**20
        return Outcome(Status.MEMORY, error={
            "kind": "memory", "message": f"its processes together used {used} MB, and were stopped"})

    def _died(self) -> Outcome:
        process = self._process
        if process is not None:
            process.join(timeout=1.0)
        code = process.exitcode if process is not None else None
        memory = self._memory()
        self._kill()
        if memory is not None:
            return memory
        if code is None:  # alive, but it closed its end of the channel
            return _unreadable("the sandbox's channel was closed")
        if code < 0:
            name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
            return Outcome(Status.ERROR, error={"kind": "died", "signal": name})
        return Outcome(Status.ERROR, error={"kind": "died", "exit_code": code})

    def _kill(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if self._watchdog is not None:
            self._watchdog.stop()
        reap(self._pid, self._uid)
        try:
            process.kill()
        except (OSError, ValueError, AttributeError):
            pass
        process.join(timeout=5.0)
        if process.exitcode is None:  # never wait for it again, not even at exit
            multiprocessing.process._children.discard(process)  # type: ignore[attr-defined]
        for conn in (self._commands, self._events):
            if conn is not None:
                conn.close()
        self._commands = self._events = None
        if self._output is not None:
            self._output.finish()
        self._loaded = False
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)  # its processes are gone: free the disk now
            self._folder = None


# Errors after which the worker is replaced: it may be stuck, dead, out of memory or lying.
_FATAL = {"timeout", "died", "memory", "unreadable"}
_STUDENT_KINDS = {"missing_name", "not_implemented", "memory", "exit", "syntax", "raised"}


def _raised(message: dict[str, Any]) -> Outcome:
    """A worker's report of an exception, reduced to the fields the engine reads, each checked."""
    kind = message.get("kind")
    kind = kind if kind in _STUDENT_KINDS else "raised"
    line = message.get("line")
    cell = message.get("cell")
    error = {
        "kind": kind,
        "exception": str(message.get("exception", ""))[:200],
        "message": str(message.get("message", ""))[:500],
        "line": line if type(line) is int else None,
        "code": str(message.get("code", ""))[:200],
        "cell": cell if type(cell) is int else None,
        "in_student_code": message.get("in_student_code") is True,
    }
    return Outcome(Status.MEMORY if kind == "memory" else Status.ERROR, error=error)


def _lost_cell(cell: int, outcome: Outcome) -> dict[str, Any]:
    """The record of a notebook cell that ended its worker, in the shape of _cells' entries."""
    error = outcome.error
    if error.get("kind") == "timeout":
        return {"cell": cell, "status": "timeout", "exception": "", "message": "", "line": None, "code": ""}
    if "signal" in error:
        how = f"signal {error['signal']}"
    elif "exit_code" in error:
        how = f"exit code {error['exit_code']}"
    else:
        how = str(error.get("message", ""))[:200]
    return {"cell": cell, "status": "died", "exception": "", "message": how, "line": None, "code": ""}


def _cells(reported: Any) -> list[dict[str, Any]]:
    """The worker's list of failed notebook cells, reduced to checked fields."""
    cells: list[dict[str, Any]] = []
    for cell in reported[:MAX_RECORDED] if isinstance(reported, list) else []:
        if not isinstance(cell, dict) or type(cell.get("cell")) is not int:
            continue
        line = cell.get("line")
        cells.append({
            "cell": cell["cell"],
            "status": cell["status"] if cell.get("status") in ("timeout", "died") else "error",
            "exception": str(cell.get("exception", ""))[:200],
            "message": str(cell.get("message", ""))[:300],
            "line": line if type(line) is int else None,
            "code": str(cell.get("code", ""))[:200],
        })
    return cells


def _unreadable(why: str) -> Outcome:
    return Outcome(Status.ERROR, error={"kind": "unreadable", "message": why})


def _readable(fd: int, timeout: float) -> bool:
    """Whether `fd` has data (or EOF) within `timeout` seconds, or ever if it is negative (poll: no
    FD_SETSIZE limit)."""
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(None if timeout < 0 else max(0, int(timeout * 1000) + (1 if timeout > 0 else 0))))


def _read_exact(fd: int, size: int, deadline: float, *, first: bool = False) -> bytearray:
    """`size` bytes from `fd` by `deadline`: TimeoutError if none came (`first`), _Incomplete if some did."""
    data = bytearray()
    while len(data) < size:
        # An answer already waiting is read even past the deadline: the grader itself may have been
        # slow (computing the reference), and the student must not pay for that.
        left = deadline - time.monotonic()
        if not _readable(fd, max(left, 0.0)):
            if first and not data:
                raise TimeoutError
            raise _Incomplete
        chunk = os.read(fd, min(size - len(data), 1 << 20))
        if not chunk:
            raise EOFError
        data += chunk
    return data
