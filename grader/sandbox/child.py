"""The sandbox side: load the student's file, run probes on request, send back plain data.

This module runs inside the forked worker. It trusts nothing it calls: every failure of
student code is turned into a plain-data outcome, and the process may die at any time
(the grader then records that check and starts a fresh worker for the next).

Before any student code runs, the worker shuts itself in: its own session and process
group, stdin from /dev/null, stdout and stderr into a pipe the grader drains, no descriptor
inherited from the forkserver but its two message pipes (streams.py), then the OS confinement
of confine.py (uid, capabilities, limits, Landlock, seccomp); the grader's frames then name
no grader (neutral.py), and a check's values are observed once the threads its call started
have finished (threads.py). Its messages are framed by framing.py.

Nothing here can stop code running in this process from lying about what it computed:
the grader treats every message as untrusted data (see protocol.py and runner.py).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import types
import warnings
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from grader import bank
from grader.probes import Run, seed_everything
from grader.sandbox import confine, framing, kernel, neutral, notebook, protocol, setup, threads
from grader.sandbox.confine import landlock_abi  # noqa: F401 - tests import it from here
from grader.sandbox.failures import describe_exception
from grader.sandbox.processes import prctl
from grader.sandbox.streams import close_inherited, flush, redirect_output, show_warning, switch_output

SEED = 0
SOURCE_LIMIT = 8 * 2**20  # largest student file the worker loads

# Captured now, in the forkserver, before any student code can replace them.
_getpid = os.getpid
_exit = os._exit
_BaseException = BaseException


@dataclass(frozen=True)
class Job:
    """What a worker is asked to do (pickled by multiprocessing from the grader to here)."""

    exercises: tuple[str, ...]  # "bank:name"; probes are numbered across their checks, in this order
    source: str  # path of the student's .py file, or of a notebook's code cells (JSON)
    device: str
    memory_mb: int
    workdir: str
    notebook: bool = False
    cell_timeout: float = 30.0  # seconds per notebook cell
    skip_cells: frozenset[int] = frozenset()  # cells that stopped an earlier worker, or ran out of time there
    kernel: bool = False  # full fidelity: the worker becomes a Jupyter kernel, the grader runs the cells
    key: str = ""  # the kernel's message signing key
    scale: float = 1.0  # $GRADER_TIMEOUT_SCALE: a check's limit is its timeout times this
    seed: int = SEED  # every probe and the load start from this seed (`grader validate --repeat` varies it)
    torch_threads: int = 1  # torch's intra-op threads in the worker (varied likewise)
    banks: tuple[str, ...] = ()  # the folders of the banks besides the built-in one (`bank.roots()`)
    setup: str = ""  # the assignment's setup code, run in the student's namespace before the submission


def serve(job: Job, commands: Connection, events: Connection, load_output: Connection, output: Connection) -> None:
    """The worker's main loop. What is printed while the submission loads goes into `load_output`; from the
    moment it has loaded (a kernel: before its cells run), into `output`, the checks'."""
    os.setsid()  # its own process group, so the grader can kill whatever it starts
    me, parent = _getpid(), os.getppid()
    redirect_output(load_output)
    warnings.showwarning = show_warning
    bank.use(job.banks, discover=False)  # exactly the grader's banks, never what the student's folder holds
    exercises = [bank.get(name) for name in job.exercises]
    checks = [check for exercise in exercises for check in exercise.checks]
    limits = [(check.timeout or exercise.timeout) * job.scale for exercise in exercises for check in exercise.checks]
    source = _read_source(job.source)
    close_inherited(keep={0, 1, 2, commands.fileno(), events.fileno(), output.fileno()})
    try:
        sockets = kernel.listen(job.workdir) if job.kernel else {}  # while Unix sockets may still be made
        facts = confine.isolate(job)
        os.chdir(job.workdir)
        # If the grader is killed, its forkserver exits: this worker must not go on alone. (Set after
        # confine.isolate: changing uid clears it.)
        prctl(confine.PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:
            _exit(0)
    except _BaseException as exc:  # never run the student's code half shut in
        _send(events, {"event": "load_failed", "kind": "raised", "exception": "SandboxError",
                       "message": f"the grader's sandbox could not be set up ({type(exc).__name__}: {exc})",
                       "line": None, "code": ""})
        _exit(0)
    threads.install()
    neutral.neutralize(extra=tuple(checks))  # from here on, no frame of ours names the grader

    def answer(request: bytes, ns: dict[str, Any]) -> None:
        _answer(request, ns, job, checks, limits, events, me)

    if job.kernel:  # the grader runs the cells through nbclient, then sends its requests
        _serve_kernel(job, source, sockets, commands, events, answer, facts, output)
    ns = _load(job, source, events, facts, output)
    if ns is None or _getpid() != me:
        _exit(0)
    while True:
        try:
            request = commands.recv_bytes(4096)
        except _BaseException:  # the grader is gone, or the student's code read our pipe
            _exit(0)
        answer(request, ns)


# The worker's bottom frame is serve's from start to end: its code names no file of the grader's
# (neutral.neutralize does the rest, in the worker, before the student's code runs).
serve.__code__ = neutral.neutral_code(serve.__code__)


def _answer(request_bytes: bytes, ns: dict[str, Any], job: Job, checks: list[Any], limits: list[float],
            events: Connection, me: int) -> None:
    """Run the probe the grader asked for on the student's namespace, and send back what it observed."""
    try:
        request = json.loads(request_bytes)
        if not isinstance(request, dict) or request.get("stop"):
            _exit(0)
        index, token = int(request["probe"]), str(request.get("token", ""))
        check, limit = checks[index], limits[index]
    except Exception:  # not the grader's request
        _exit(0)
    _reap_children()
    seed_everything(job.seed)
    chunks: list[Any] = []
    try:
        running = threads.mark()
        values = check.probe(Run(ns, device=job.device))
        waited = threads.settle(running, limit)  # what its threads do is part of what it did
        if waited is not None:
            message = {"event": "raised", "probe": index, "token": token, "kind": "raised",
                       "exception": threads.STILL_RUNNING, "line": None, "code": "",
                       "message": f"a thread your code started was still running {waited:.1f} s after the "
                                  f"function returned (threads must finish before it returns)"}
        else:
            observed = {str(key): protocol.observe(value) for key, value in values.items()}
            facts_out, chunks = protocol.encode(observed)
            message = {"event": "done", "probe": index, "token": token, "observations": facts_out}
        head = framing.header(message)
    except protocol.TooLarge as exc:
        message = {"event": "raised", "probe": index, "token": token, "kind": "raised",
                   "exception": "ResultTooLarge", "message": str(exc), "line": None, "code": ""}
        chunks = []
        head = framing.header(message)
    except _BaseException as exc:  # noqa: BLE001 - student code may raise anything, SystemExit too
        confine.release_reserve()
        message = {"event": "raised", "probe": index, "token": token, **describe_exception(exc, job.source)}
        del exc  # let the student's frames (and their memory) go now
        chunks = []
        head = framing.header(message)
    if _getpid() != me:  # a process the student's code forked: it must not answer
        _exit(0)
    flush()  # what the student printed arrives before the result
    framing.send(events, head, chunks)


def _serve_kernel(job: Job, source: bytes | Exception, sockets: dict[int, int], commands: Connection,
                  events: Connection, answer: Any, facts: dict[str, Any], output: Connection) -> None:
    """Full-fidelity mode: become a Jupyter kernel on `sockets`; never returns."""
    try:
        if isinstance(source, Exception):
            raise source
        cells = _notebook_cells(source)

        def ready() -> None:
            for number, cell in enumerate(cells, start=1):
                notebook.name_cell(kernel.cell_filename(cell), number)
            switch_output(output)  # the kernel's start-up said its piece; the cells print through IOPub
            _send(events, {"event": "loaded", **facts, "cells": []})

        kernel.serve(job.workdir, job.key, sockets, commands, answer, ready,
                     prepare=lambda ns: _prepare(job, ns, events))
    except _BaseException as exc:  # noqa: BLE001 - ipykernel missing or broken: the grader says so
        _send(events, {"event": "load_failed", "kind": "raised", "exception": "KernelError",
                       "message": f"the Jupyter kernel could not start ({type(exc).__name__}: {exc})",
                       "line": None, "code": ""})
    _exit(0)


def _read_source(path: str) -> bytes | Exception:
    """The student's file, read before the worker gives up its privileges."""
    try:
        with open(path, "rb") as f:
            data = f.read(SOURCE_LIMIT + 1)
        if len(data) > SOURCE_LIMIT:
            return ValueError(f"the file is larger than {SOURCE_LIMIT // 2**20} MB")
        return data
    except OSError as exc:
        return exc


def _load(job: Job, source: bytes | Exception, events: Connection, facts: dict[str, Any],
          output: Connection) -> dict[str, Any] | None:
    """Execute the student's file as a module (or its notebook's cells); None (and an event) if that failed."""
    path = Path(job.source)
    sys.path.insert(0, str(path.parent))
    me = _getpid()
    try:
        if isinstance(source, Exception):
            raise source
        if job.notebook:
            ns, cells, dropped = _run_notebook(job, source, events)
            facts = {**facts, "cells": cells, "cells_dropped": dropped}
        else:
            module = types.ModuleType(path.stem)
            module.__file__ = str(path)
            sys.modules[path.stem] = module
            code = compile(_decode_source(source, str(path)), str(path), "exec")
            _prepare(job, module.__dict__, events)  # the setup code, then the seed
            exec(code, module.__dict__)  # noqa: S102 - running student code is the point
            ns = module.__dict__
    except _BaseException as exc:  # noqa: BLE001
        confine.release_reserve()
        message = {"event": "load_failed", **describe_exception(exc, job.source)}
        del exc
        if _getpid() != me:
            _exit(0)
        flush()
        _send(events, message)
        return None
    if _getpid() != me:
        _exit(0)
    switch_output(output)  # what it printed so far is the load's; from here on, the checks'
    _send(events, {"event": "loaded", **facts})
    return ns


def _run_notebook(job: Job, source: bytes, events: Connection) -> tuple[dict[str, Any], list[dict[str, Any]], int]:
    """Run the notebook's code cells (written by grader.submission as a JSON list of strings)."""
    cells = _notebook_cells(source)

    def describe(exc: BaseException) -> dict[str, Any]:
        confine.release_reserve()
        facts = describe_exception(exc, job.source)
        try:
            confine.reserve_memory()
        except MemoryError:
            pass
        return facts

    def started(number: int) -> None:
        flush()
        _send(events, {"event": "cell", "cell": number})

    return notebook.run_cells(cells, timeout=job.cell_timeout, skip=job.skip_cells, describe=describe,
                              started=started, prepare=lambda ns: _prepare(job, ns, events))


def _prepare(job: Job, ns: dict[str, Any], events: Connection) -> None:
    """Run the assignment's setup code in the student's namespace, before any student code; if it raises,
    say so (the instructor's error) and end the worker. Then the seed, as if nothing had run."""
    if job.setup:
        failed = setup.run(job.setup, ns)
        flush()
        if failed is not None:
            _send(events, {"event": "setup_failed", **failed})
            _exit(0)
        _send(events, {"event": "setup_done"})  # from here on, a `setup_failed` is forged
    seed_everything(job.seed)


def _notebook_cells(source: bytes) -> list[str]:
    cells = json.loads(source)
    if not isinstance(cells, list) or not all(isinstance(cell, str) for cell in cells):
        raise ValueError("the notebook's cells could not be read")
    return cells


def _decode_source(source: bytes, path: str) -> str:
    """The file's text as Python itself would read it (UTF-8 unless an encoding line says otherwise)."""
    import importlib.util

    try:
        return importlib.util.decode_source(source)
    except (SyntaxError, UnicodeDecodeError, LookupError):
        pass
    for number, line in enumerate(source.split(b"\n"), start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            text = line.decode("utf-8", "replace").strip()
            raise SyntaxError("this line is not UTF-8 text: save the file as UTF-8",
                              (path, number, 1, text)) from None
    raise SyntaxError("the file's encoding declaration is not valid", (path, 1, 1, ""))


# -- messages ---------------------------------------------------------------------------------


def _send(events: Connection, message: dict[str, Any]) -> None:
    """One message without tensors."""
    framing.send(events, framing.header(message))


def _reap_children() -> None:
    """Collect the student's processes that have ended (we are their subreaper), so none lingers as a zombie."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
