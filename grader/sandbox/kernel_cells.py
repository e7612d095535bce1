"""The grader's side of the full-fidelity mode: run a notebook's cells in the worker's kernel with nbclient.

Each cell gets its time limit; a cell that overruns it is interrupted (SIGINT, as Jupyter's
"interrupt" does) and recorded, and the next one runs. A cell the kernel does not survive
(it dies, or ignores the interrupt) is reported as `lost`: the sandbox then records it and
runs the notebook again in a fresh worker, without it.

Everything the kernel sends is untrusted: messages over MAX_MESSAGE bytes are refused by
ZeroMQ, and outputs are not kept (grading never reads them), only each failed cell's
exception name, message and line, and what they printed (their stream output, the start and the end of it).
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any, cast

from nbclient import NotebookClient

MAX_MESSAGE = 16 * 2**20  # bytes of one message from the kernel
PRINTED_HEAD = 1000  # characters of what the cells printed kept: the start ...
PRINTED_TAIL = 3000  # ... and the end (as worker.Output keeps a check's)
READY_TIMEOUT = 30.0  # seconds for the kernel to answer its first request (before scaling)
_CELL_LINE = re.compile(r"Cell In\[\d+\], line (\d+)")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class KernelError(Exception):
    """The kernel could not be reached."""


@dataclass
class Ran:
    """What running the cells gave: the cells that failed, and the one that took the kernel with it."""

    failures: list[dict[str, Any]] = field(default_factory=list)
    lost: int | None = None  # a cell after which the kernel was dead or stuck
    stuck: bool = False  # it did not stop when interrupted (else it died)
    printed: str = ""  # what the cells printed (stdout and stderr), its middle cut if long


def run(cells: list[str], connection: dict[str, Any], *, pid: int, alive: Callable[[], bool], timeout: float,
        grace: float, skip: frozenset[int], deadline: float, scale: float = 1.0) -> Ran:
    """Run `cells` (1-based numbers, minus `skip`) in the kernel; TimeoutError past `deadline` (monotonic)."""
    from jupyter_core.utils import run_sync

    ran: Ran = run_sync(_run)(cells, connection, pid=pid, alive=alive, timeout=timeout, grace=grace, skip=skip,
                              deadline=deadline, ready_timeout=READY_TIMEOUT * scale)
    return ran


async def _run(cells: list[str], connection: dict[str, Any], *, pid: int, alive: Callable[[], bool],
               timeout: float, grace: float, skip: frozenset[int], deadline: float, ready_timeout: float) -> Ran:
    import zmq
    from jupyter_client.asynchronous.client import AsyncKernelClient
    from nbformat.v4 import new_code_cell, new_notebook

    class WorkerClient(AsyncKernelClient):
        """Alive while the worker process is (nbclient asks every second while a cell runs)."""

        async def _async_is_alive(self) -> bool:
            return alive()

        is_alive = _async_is_alive

    client = WorkerClient()
    client.load_connection_info(cast(Any, connection))
    client.context.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE)
    client.start_channels(shell=True, iopub=True, stdin=False, hb=False, control=False)
    try:
        try:
            await client.wait_for_ready(timeout=max(0.1, min(ready_timeout, deadline - time.monotonic())))
        except RuntimeError as exc:  # it died, or never answered
            raise KernelError(str(exc)) from None
        notebook = new_notebook(cells=[new_code_cell(source) for source in cells])
        runner = _Cells(notebook, allow_errors=True, timeout=None, store_widget_state=False,
                        record_timing=False, raise_on_iopub_timeout=False, iopub_timeout=2)
        runner.kc = client
        return await _each_cell(runner, cells, pid=pid, timeout=timeout, grace=grace, skip=skip, deadline=deadline)
    finally:
        client.stop_channels()
        client.context.destroy(linger=0)


async def _each_cell(runner: _Cells, cells: list[str], *, pid: int, timeout: float, grace: float,
                     skip: frozenset[int], deadline: float) -> Ran:
    from nbclient.exceptions import DeadKernelError

    ran = Ran()
    for number, source in enumerate(cells, start=1):
        if number in skip:
            continue
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        task = asyncio.ensure_future(runner.async_execute_cell(runner.nb.cells[number - 1], number - 1))
        done, _ = await asyncio.wait({task}, timeout=min(timeout, left))
        if not done:
            _interrupt(pid)
            done, _ = await asyncio.wait({task}, timeout=grace)
            if not done:
                await _cancel(task)
                ran.lost, ran.stuck = number, True
                return ran
            _ = task.exception()  # retrieved: the interrupted cell's outcome is its timeout
            ran.failures.append({"cell": number, "status": "timeout", "seconds": timeout})
            continue
        error = task.exception()
        if isinstance(error, DeadKernelError):
            ran.lost = number
            return ran
        if error is not None:
            raise KernelError(f"{type(error).__name__}: {error}")
        reply = runner.errors.pop(number - 1, None)
        if reply is not None:
            ran.failures.append(_failure(number, source, reply))
        ran.printed = runner.printed()
    return ran


class _Cells(NotebookClient):
    """nbclient's cell execution, keeping no outputs, only each failed cell's reply."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.errors: dict[int, dict[str, Any]] = {}
        self.on_cell_error = self._record
        self._head, self._tail, self._cut = "", "", False

    def _record(self, cell: Any, cell_index: int, execute_reply: dict[str, Any]) -> None:
        self.errors[cell_index] = execute_reply.get("content", {})

    def output(self, outs: Any, msg: Any, display_id: Any, cell_index: int) -> None:
        """Keep what a cell printed (its stream messages); nothing else of its output."""
        if msg.get("msg_type") != "stream":
            return None
        chunk = str(msg.get("content", {}).get("text", ""))
        room = PRINTED_HEAD - len(self._head)
        if room > 0:
            self._head, chunk = self._head + chunk[:room], chunk[room:]
        if chunk:
            self._tail += chunk
            if len(self._tail) > PRINTED_TAIL:
                self._tail, self._cut = self._tail[-PRINTED_TAIL:], True
        return None

    def printed(self) -> str:
        return self._head + ("\n[...]\n" if self._cut else "") + self._tail

    def handle_comm_msg(self, outs: Any, msg: Any, cell_index: int) -> None:
        return None


def _failure(number: int, source: str, reply: dict[str, Any]) -> dict[str, Any]:
    """A failed cell, as the fast mode's worker reports one, from the kernel's execute reply."""
    traceback = _ANSI.sub("", "\n".join(str(line) for line in reply.get("traceback", []) or []))
    match = _CELL_LINE.search(traceback)
    line = int(match.group(1)) if match else None
    lines = source.splitlines()
    code = lines[line - 1].strip() if line is not None and 0 < line <= len(lines) else ""
    return {"cell": number, "status": "error", "exception": str(reply.get("ename", ""))[:200],
            "message": str(reply.get("evalue", ""))[:300], "line": line, "code": code[:200]}


def _interrupt(pid: int) -> None:
    with suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signal.SIGINT)


async def _cancel(task: asyncio.Future[Any]) -> None:
    task.cancel()
    with suppress(BaseException):
        await task
