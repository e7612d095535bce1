"""The grader side of the sandbox: start workers, time them, kill them, read what they send.

Workers are forked from a `multiprocessing` forkserver that has already imported torch
and the bank. It is started before the grader imports torch itself, so both imports run
at once; a worker then costs a fork (~10 ms), not an interpreter and a torch import.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from grader.results import Status

PRELOAD = ["__main__", "torch", "grader.sandbox.child"]
MAX_MESSAGE = 64 * 2**20
OUTPUT_KEPT = 4000  # characters of student output kept per worker


def warm_up() -> None:
    """Start the forkserver now, so that it imports torch while the grader does too."""
    from multiprocessing import forkserver

    multiprocessing.set_forkserver_preload(PRELOAD)
    forkserver.ensure_running()


@dataclass
class Outcome:
    """What a worker reported for one probe: observations, or why there are none."""

    status: Status
    observations: dict[str, Any] | None = None
    error: dict[str, Any] = field(default_factory=dict)
    output: str = ""
    duration: float = 0.0


class _Output:
    """Drains a worker's stdout/stderr pipe so it never blocks, keeping only the start."""

    def __init__(self, conn: Connection) -> None:
        self.text = ""
        self._conn = conn
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        fd = self._conn.fileno()
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            if len(self.text) < OUTPUT_KEPT:
                self.text += chunk.decode("utf-8", "replace")[: OUTPUT_KEPT - len(self.text)]

    def close(self) -> None:
        self._thread.join(timeout=0.5)
        self._conn.close()


class Sandbox:
    """A worker with the student's file loaded; runs one probe at a time, restarted when it dies."""

    def __init__(self, *, exercise: str, source: Path, device: str, memory_mb: int, workdir: Path,
                 load_timeout: float) -> None:
        from grader.sandbox.child import Job

        self._job = Job(exercise=exercise, source=str(source), device=device, memory_mb=memory_mb,
                        workdir=str(workdir))
        self._workdir = workdir
        self._load_timeout = load_timeout
        self._process: Any = None
        self._output: _Output | None = None
        self._loaded = False
        self._load_failure: Outcome | None = None
        self._pending: tuple[int, float, int] | None = None  # probe, deadline, output mark

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def submit(self, probe: int) -> None:
        """Ask the worker to run a probe; `wait` collects it."""
        if self._process is None and self._load_failure is None:
            self._start()
        started = time.monotonic()
        if self._load_failure is None:
            self._commands.send_bytes(json.dumps({"probe": probe}).encode())
        mark = len(self._output.text) if self._output else 0
        self._pending = (probe, started, mark)

    def wait(self, timeout: float) -> Outcome:
        """The outcome of the submitted probe, at most `timeout` seconds after it was submitted."""
        assert self._pending is not None
        probe, started, mark = self._pending
        self._pending = None
        if not self._loaded and self._load_failure is None:
            self._await_load()
        if self._load_failure is not None:
            return self._load_failure
        remaining = max(0.0, started + timeout - time.monotonic())
        outcome = self._receive(remaining, probe)
        outcome.duration = time.monotonic() - started
        outcome.output = self._output.text[mark:] if self._output else ""
        if outcome.status in (Status.TIMEOUT, Status.ERROR) and outcome.error.get("kind") in ("timeout", "died"):
            self._kill()
        return outcome

    def close(self) -> None:
        if self._process is not None:
            try:
                self._commands.send_bytes(b'{"stop": true}')
            except OSError:
                pass
            self._kill()

    # -- internals -------------------------------------------------------------------------

    def _start(self) -> None:
        from grader.sandbox import child

        ctx = multiprocessing.get_context("forkserver")
        commands_r, self._commands = ctx.Pipe(duplex=False)
        self._events, events_w = ctx.Pipe(duplex=False)
        output_r, output_w = ctx.Pipe(duplex=False)
        self._process = ctx.Process(target=child.serve, args=(self._job, commands_r, events_w, output_w),
                                    daemon=True)
        self._process.start()
        for end in (commands_r, events_w, output_w):
            end.close()
        self._output = _Output(output_r)
        self._loaded = False
        self._load_started = time.monotonic()

    def _await_load(self) -> None:
        remaining = max(0.0, self._load_started + self._load_timeout - time.monotonic())
        outcome = self._receive(remaining, probe=None)
        if outcome.status is Status.PASSED:
            self._loaded = True
            return
        # A file that cannot be loaded fails every check the same way; don't retry it.
        outcome.error.setdefault("during_load", True)
        outcome.output = self._output.text if self._output else ""
        self._load_failure = outcome
        self._kill()

    def _receive(self, timeout: float, probe: int | None) -> Outcome:
        if not self._events.poll(timeout):
            return Outcome(Status.TIMEOUT, error={"kind": "timeout", "seconds": timeout})
        try:
            message = json.loads(self._events.recv_bytes(MAX_MESSAGE))
        except (EOFError, OSError, ValueError):
            return self._died()
        if not isinstance(message, dict):
            return self._died()
        event = message.get("event")
        if event == "loaded" and probe is None:
            return Outcome(Status.PASSED)
        if event == "done" and message.get("probe") == probe:
            return self._read(probe, message.get("observations"))
        if event in ("raised", "load_failed"):
            status = Status.MEMORY if message.get("kind") == "memory" else Status.ERROR
            return Outcome(status, error=message)
        return self._died()

    def _read(self, probe: int, text: Any) -> Outcome:
        from grader.sandbox import protocol

        try:
            observations = protocol.read(str(text), self._workdir / f"probe{probe}.pt")
        except Exception as exc:  # a forged or truncated result is the student's failure
            return Outcome(Status.ERROR, error={"kind": "unreadable", "message": type(exc).__name__})
        return Outcome(Status.PASSED, observations=observations)

    def _died(self) -> Outcome:
        process = self._process
        process.join(timeout=2.0)
        code = process.exitcode
        self._kill()
        if code is not None and code < 0:
            name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
            return Outcome(Status.ERROR, error={"kind": "died", "signal": name})
        return Outcome(Status.ERROR, error={"kind": "died", "exit_code": code})

    def _kill(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.pid is not None:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        process.kill()
        process.join(timeout=5.0)
        for conn in (self._commands, self._events):
            conn.close()
        if self._output is not None:
            self._output.close()
        self._loaded = False
