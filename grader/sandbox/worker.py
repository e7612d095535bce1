"""One worker's life, seen from the grader: start it, read its answers, drain its output, kill it.

A worker is a process forked from the forkserver (forkserver.py) that runs child.serve on
the student's file, in a fresh directory of its own. Everything it sends is untrusted: the
student's code runs in it and can forge, garble or withhold any message. So a Worker

* reads messages with framing.py's bounded framing, and a deadline (a half-written message
  cannot hang the grader), parsed as JSON plus raw tensor bytes (nothing is unpickled);
* matches each answer to the request it sent (probe number and a fresh random token), and
  ignores anything else: stale answers, answers from processes the student forked;
* watches the memory of all the worker's processes together (the worker's own RLIMIT_AS
  catches the usual case with a clean MemoryError), and the size of its directory;
* kills the worker and every process it started: its process group, its descendants (it is
  their subreaper) and, when the grader is root, every process of the worker's private uid;
* drains the worker's stdout/stderr in a thread, keeping a bounded head and tail per check, and what it
  printed while the submission loaded apart (another pipe: the worker switches to the checks' once loaded).

What to do when a worker fails (retry, skip a notebook cell, give up) is runner.py's.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import signal
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from grader.errors import GraderError
from grader.results import Status
from grader.sandbox import framing
from grader.sandbox.forkserver import children_allowed, ensure_server, main_hidden
from grader.sandbox.outcomes import Outcome, raised, unreadable
from grader.sandbox.processes import DISK_LIMIT, FILES_LIMIT, Watchdog, reap

OUTPUT_HEAD = 1000  # bytes of what the student printed kept per check: the start ...
OUTPUT_TAIL = 3000  # ... and the end
TRANSFER_GRACE = 10.0  # seconds to receive the rest of a message once it has started (before scaling)
MEMORY_SLACK = 1.25  # the watchdog allows this times the exercise's memory_mb
SANDBOX_UID_BASE = 2**30  # a root grader runs each worker as uid/gid SANDBOX_UID_BASE + its pid


def sandbox_uid(pid: int) -> int:
    """The uid (and gid) a worker with this pid runs as when the grader is root."""
    return SANDBOX_UID_BASE + pid


class Worker:
    """A started worker, with the student's file loading in it; `kill` ends it and its directory."""

    def __init__(self, job: Any, folder: Path, *, memory_mb: int, scale: float, cell_grace: float) -> None:
        from grader.sandbox import child

        self.folder, self._scale, self._cell_grace, self._cell_timeout = folder, scale, cell_grace, job.cell_timeout
        ctx = multiprocessing.get_context("forkserver")
        for attempt in range(2):
            commands_r, commands_w = ctx.Pipe(duplex=False)
            events_r, events_w = ctx.Pipe(duplex=False)
            load_r, load_w = ctx.Pipe(duplex=False)
            output_r, output_w = ctx.Pipe(duplex=False)
            process = ctx.Process(target=child.serve, args=(job, commands_r, events_w, load_w, output_w),
                                  daemon=True, name="sandbox")
            try:
                ensure_server()
                with main_hidden(), children_allowed():
                    process.start()
                break
            except Exception as exc:  # the forkserver died: start it again, once
                for end in (commands_r, commands_w, events_r, events_w, load_r, load_w, output_r, output_w):
                    end.close()
                if attempt:
                    raise GraderError(f"the sandbox could not start a worker ({type(exc).__name__}: {exc}).") from None
        for end in (commands_r, events_w, load_w, output_w):
            end.close()
        os.set_blocking(commands_w.fileno(), False)  # a worker that stops reading cannot block us
        self._process: Any = process
        self.pid = int(process.pid or 0)
        self.uid = sandbox_uid(self.pid) if os.geteuid() == 0 else None
        self._commands: Connection | None = commands_w
        self._events: Connection | None = events_r
        self.load_output = Output(load_r)  # what it printed while the submission loaded
        self.output = Output(output_r)  # ... and since: the checks'
        self.watchdog = Watchdog(self.pid, self.uid, int(memory_mb * 2**20 * MEMORY_SLACK), folder)
        self.cell: int | None = None  # the notebook cell it last said it started
        self.cell_deadline = float("inf")  # ... and when that cell must be done by
        self._setup_pending = bool(job.setup)  # until the worker says its setup code ran, before any student code

    def command(self, message: dict[str, Any]) -> None:
        """Send a request (never blocks: a worker that stops reading is found out by `receive`)."""
        if self._commands is None:
            return
        try:
            self._commands.send_bytes(json.dumps(message).encode())
        except (OSError, ValueError):
            pass

    def alive(self) -> bool:
        """Whether it still runs (and the watchdog has not stopped it)."""
        return self._process is not None and self._process.is_alive() and not self.watchdog.tripped.is_set()

    def receive(self, deadline: float, limit: float, probe: int | None, token: str | None) -> Outcome:
        """The answer to this probe (or to loading, when `probe` is None), by `deadline`."""
        while True:
            try:
                head, blob = self._read(deadline if probe is not None else min(deadline, self.cell_deadline))
                message = framing.parse_header(head)
            except framing.Incomplete:
                return self.memory() or unreadable("the answer was cut off")
            except TimeoutError:
                return self.memory() or Outcome(Status.TIMEOUT, error={"kind": "timeout", "seconds": limit})
            except framing.Unreadable as exc:
                return unreadable(str(exc))
            except (EOFError, OSError):
                return self.died()
            if not isinstance(message, dict):
                return unreadable("a garbled message")
            event = message.get("event")
            if probe is None:
                if event == "cell" and type(message.get("cell")) is int:
                    self.cell = message["cell"]
                    self.cell_deadline = time.monotonic() + self._cell_timeout + self._cell_grace
                elif event == "loaded":
                    return Outcome(Status.PASSED, observations={"cells": message.get("cells"),
                                                                "dropped": message.get("cells_dropped")})
                elif event == "load_failed":
                    return raised(message)
                elif event == "setup_done":
                    self._setup_pending = False
                elif event == "setup_failed" and self._setup_pending:  # once setup_done came, forged
                    return Outcome(Status.ERROR, error={"kind": "setup", **{
                        key: message.get(key) for key in ("exception", "message", "line")}})
                continue  # an answer while loading is forged (no request was sent yet): ignored
            if event not in ("done", "raised") or message.get("probe") != probe or message.get("token") != token:
                continue  # stale, or sent by something other than the worker's loop: not this answer
            if event == "raised":
                return raised(message)
            return _decode(message.get("observations"), blob)

    def _read(self, deadline: float) -> tuple[bytes, bytearray]:
        if self._events is None:
            raise EOFError
        return framing.read_frame(self._events.fileno(), deadline, TRANSFER_GRACE * max(self._scale, 1.0))

    def memory(self) -> Outcome | None:
        """Why the watchdog stopped it, if it did."""
        watchdog = self.watchdog
        if not watchdog.tripped.is_set():
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

    def died(self) -> Outcome:
        """How it ended (or that it closed its channel); it is killed, if it was not yet."""
        process = self._process
        if process is not None:
            process.join(timeout=1.0)
        code = process.exitcode if process is not None else None
        memory = self.memory()
        self.kill()
        if memory is not None:
            return memory
        if code is None:  # alive, but it closed its end of the channel
            return unreadable("the sandbox's channel was closed")
        if code < 0:
            name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
            return Outcome(Status.ERROR, error={"kind": "died", "signal": name})
        return Outcome(Status.ERROR, error={"kind": "died", "exit_code": code})

    def spare(self) -> None:
        """After an answer: end what the student's code left running, keep the worker, keep its output."""
        reap(self.pid, self.uid, spare_worker=True)
        self.output.settle()

    def kill(self) -> None:
        """End it, every process it started, and its directory (again: nothing)."""
        process, self._process = self._process, None
        if process is None:
            return
        self.watchdog.stop()
        reap(self.pid, self.uid)
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
        self.load_output.finish()
        self.output.finish()
        shutil.rmtree(self.folder, ignore_errors=True)  # its processes are gone: free the disk now


def _decode(facts: Any, blob: bytearray) -> Outcome:
    from grader.sandbox import protocol

    try:
        observations = protocol.decode(facts, blob)
    except Exception as exc:  # a forged or truncated result is the student's failure
        return unreadable(str(exc)[:200] if isinstance(exc, ValueError) else type(exc).__name__)
    return Outcome(Status.PASSED, observations=observations)


class Output:
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
                    framing.readable(self._fd, -1)  # wait outside the lock; read and keep under it (see settle)
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
                if not framing.readable(self._fd, 0.0):
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
