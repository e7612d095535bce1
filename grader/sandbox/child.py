"""The sandbox side: load the student's file, run probes on request, send back plain data.

This module runs inside the forked worker. It trusts nothing it calls: every failure of
student code is turned into a plain-data outcome, and the process may die at any time
(the grader then records that check and starts a fresh worker for the next).
"""

from __future__ import annotations

import json
import os
import resource
import signal
import sys
import traceback
import types
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import torch

from grader import bank
from grader.probes import MissingName, Run, seed_everything
from grader.sandbox import protocol

SEED = 0
FILE_SIZE_LIMIT = 256 * 2**20


@dataclass(frozen=True)
class Job:
    """What a worker is asked to do (pickled by multiprocessing from the grader to here)."""

    exercise: str
    source: str  # path of the student's .py file
    device: str
    memory_mb: int
    workdir: str


def serve(job: Job, commands: Connection, events: Connection, output: Connection) -> None:
    """The worker's main loop."""
    os.setsid()  # its own process group, so the grader can kill whatever it starts
    _redirect_output(output)
    _limit_resources(job)
    os.chdir(job.workdir)
    exercise = bank.get(job.exercise)
    ns = _load(job, events)
    if ns is None:
        return
    while True:
        request = json.loads(commands.recv_bytes())
        if request.get("stop"):
            return
        index = int(request["probe"])
        check = exercise.checks[index]
        seed_everything(SEED)
        try:
            values = check.probe(Run(ns, device=job.device))
            observed = {key: protocol.observe(value) for key, value in values.items()}
            text = protocol.write(observed, Path(job.workdir) / f"probe{index}.pt")
            message = {"event": "done", "probe": index, "observations": text}
        except BaseException as exc:  # noqa: BLE001 - student code may raise anything, SystemExit too
            message = {"event": "raised", "probe": index, **describe_exception(exc, job.source)}
        _flush()  # what the student printed arrives before the result
        _send(events, message)


def _load(job: Job, events: Connection) -> dict[str, Any] | None:
    """Execute the student's file as a module; None (and an event) if that failed."""
    path = Path(job.source)
    module = types.ModuleType(path.stem)
    module.__file__ = str(path)
    sys.modules[path.stem] = module
    sys.path.insert(0, str(path.parent))
    try:
        code = compile(path.read_bytes(), str(path), "exec")
        seed_everything(SEED)
        exec(code, module.__dict__)  # noqa: S102 - running student code is the point
    except BaseException as exc:  # noqa: BLE001
        _flush()
        _send(events, {"event": "load_failed", **describe_exception(exc, job.source)})
        return None
    _flush()
    _send(events, {"event": "loaded"})
    return module.__dict__


def describe_exception(exc: BaseException, source: str) -> dict[str, Any]:
    """Plain facts about an exception, with only the student's own frames."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == source]
    last = frames[-1] if frames else None
    if isinstance(exc, SyntaxError) and exc.filename == source:
        line, code = exc.lineno, (exc.text or "").strip()
    else:
        line, code = (last.lineno, (last.line or "").strip()) if last else (None, "")
    if isinstance(exc, MissingName):
        kind = "missing_name"
    elif isinstance(exc, NotImplementedError):
        kind = "not_implemented"
    elif _is_out_of_memory(exc):
        kind = "memory"
    elif isinstance(exc, SystemExit):
        kind = "exit"
    elif isinstance(exc, SyntaxError):
        kind = "syntax"
    else:
        kind = "raised"
    try:
        message = str(exc)
    except Exception:  # a hostile __str__
        message = ""
    return {
        "kind": kind,
        "exception": protocol.type_name(exc),
        "message": message[:500],
        "line": line,
        "code": code[:200],
        "in_student_code": bool(frames),
    }


def _is_out_of_memory(exc: BaseException) -> bool:
    if isinstance(exc, (MemoryError, torch.OutOfMemoryError)):
        return True
    text = str(exc) if isinstance(exc, RuntimeError) else ""
    return "can't allocate memory" in text or "out of memory" in text


def _redirect_output(output: Connection) -> None:
    # Whatever the student prints goes to the grader through this pipe, never to the
    # terminal or the JSON report.
    fd = output.fileno()
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(fd, 1)
    os.dup2(fd, 2)


def _limit_resources(job: Job) -> None:
    torch.set_num_threads(1)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a too-large file fails to write; it does not kill
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_SIZE_LIMIT, FILE_SIZE_LIMIT))
    if job.device == "cpu":
        # CUDA reserves far more address space than it uses, so the cap is CPU-only.
        limit = _address_space() + job.memory_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    else:
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cuda.matmul.allow_tf32 = False


def _address_space() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _send(events: Connection, message: dict[str, Any]) -> None:
    events.send_bytes(json.dumps(message).encode())


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # the student may have replaced or closed them
            pass
