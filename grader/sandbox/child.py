"""The sandbox side: load the student's file, run probes on request, send back plain data.

This module runs inside the forked worker. It trusts nothing it calls: every failure of
student code is turned into a plain-data outcome, and the process may die at any time
(the grader then records that check and starts a fresh worker for the next).

Before any student code runs, the worker shuts itself in (`_isolate`):

* its own session and process group, stdin from /dev/null, stdout and stderr into a pipe
  the grader drains (never the grader's terminal or JSON report), and no descriptor it
  inherited from the forkserver other than its two message pipes;
* when the grader runs as root: a uid and gid of its own (runner.sandbox_uid), no
  supplementary groups, and of root's capabilities only CAP_DAC_READ_SEARCH (read any
  file, as the grader can: Python itself may live under /root). It can then neither write
  the grader's files, nor signal, trace or read the descriptors of the grader's
  processes, nor raise its own limits, and the grader can find and kill every process
  it starts by that uid;
* resource limits: address space (CPU runs only; VmSize-relative, torch already mapped),
  file size, core dumps, CPU seconds, number of processes (a fork bomb stops there); it
  is the subreaper of what it starts, so orphans stay below it;
* Landlock where the kernel has it (Linux >= 5.13; otherwise silently skipped): no file
  writes outside its own directory (but /dev/null & co, and the GPU's device files),
  no TCP, and (ABI >= 6) no signals to, and no abstract sockets of, processes outside
  the sandbox; ptrace and /proc/<pid>/fd of outside processes are refused by Landlock
  at every ABI.

Nothing here can stop code running in this process from lying about what it computed:
the grader treats every message as untrusted data (see protocol.py and runner.py).
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import signal
import sys
import tempfile
import traceback
import types
import warnings
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import torch

from grader import bank
from grader.notebook_session import SANDBOX_VARIABLE
from grader.probes import MissingName, Run, seed_everything
from grader.sandbox import kernel, notebook, protocol
from grader.sandbox.processes import prctl
from grader.sandbox.runner import sandbox_uid

SEED = 0
FILE_SIZE_LIMIT = 256 * 2**20  # largest file the student's code may write
SOURCE_LIMIT = 8 * 2**20  # largest student file the worker loads
EXTRA_TASKS = 32  # processes and threads the student's code may start
KERNEL_TASKS = 16  # more for a Jupyter kernel's own threads (ipykernel's and ZeroMQ's)
KERNEL_MEMORY = 512 * 2**20  # address space a Jupyter kernel reserves beyond the student's (thread stacks, arenas)
CPU_SECONDS = 600  # a backstop for anything that escapes the grader's kill
MEMORY_RESERVE = 16 * 2**20  # freed when memory runs out, so the report can still be sent

# Captured now, in the forkserver, before any student code can replace them.
_dumps = json.dumps
_getpid = os.getpid
_exit = os._exit
_BaseException = BaseException


@dataclass(frozen=True)
class Job:
    """What a worker is asked to do (pickled by multiprocessing from the grader to here)."""

    exercises: tuple[str, ...]  # probes are numbered across their checks, in this order
    source: str  # path of the student's .py file, or of a notebook's code cells (JSON)
    device: str
    memory_mb: int
    workdir: str
    notebook: bool = False
    cell_timeout: float = 30.0  # seconds per notebook cell
    skip_cells: frozenset[int] = frozenset()  # cells that stopped an earlier worker, or ran out of time there
    kernel: bool = False  # full fidelity: the worker becomes a Jupyter kernel, the grader runs the cells
    key: str = ""  # the kernel's message signing key


def serve(job: Job, commands: Connection, events: Connection, output: Connection) -> None:
    """The worker's main loop."""
    os.setsid()  # its own process group, so the grader can kill whatever it starts
    me, parent = _getpid(), os.getppid()
    _redirect_output(output)
    warnings.showwarning = _show_warning
    checks = [check for name in job.exercises for check in bank.get(name).checks]
    source = _read_source(job.source)
    _close_inherited(keep={0, 1, 2, commands.fileno(), events.fileno()})
    try:
        sockets = kernel.listen(job.workdir) if job.kernel else {}  # while Unix sockets may still be made
        facts = _isolate(job)
        os.chdir(job.workdir)
        # If the grader is killed, its forkserver exits: this worker must not go on alone. (Set after
        # _isolate: changing uid clears it.)
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:
            _exit(0)
    except _BaseException as exc:  # never run the student's code half shut in
        _send(events, {"event": "load_failed", "kind": "raised", "exception": "SandboxError",
                       "message": f"the grader's sandbox could not be set up ({type(exc).__name__}: {exc})",
                       "line": None, "code": ""})
        _exit(0)

    def answer(request: bytes, ns: dict[str, Any]) -> None:
        _answer(request, ns, job, checks, events, me)

    if job.kernel:  # the grader runs the cells through nbclient, then sends its requests
        _serve_kernel(job, source, sockets, commands, events, answer, facts)
    ns = _load(job, source, events, facts)
    if ns is None or _getpid() != me:
        _exit(0)
    while True:
        try:
            request = commands.recv_bytes(4096)
        except _BaseException:  # the grader is gone, or the student's code read our pipe
            _exit(0)
        answer(request, ns)


def _answer(request_bytes: bytes, ns: dict[str, Any], job: Job, checks: list[Any], events: Connection,
            me: int) -> None:
    """Run the probe the grader asked for on the student's namespace, and send back what it observed."""
    try:
        request = json.loads(request_bytes)
        if not isinstance(request, dict) or request.get("stop"):
            _exit(0)
        index, token = int(request["probe"]), str(request.get("token", ""))
        check = checks[index]
    except Exception:  # not the grader's request
        _exit(0)
    _reap_children()
    seed_everything(SEED)
    chunks: list[Any] = []
    try:
        values = check.probe(Run(ns, device=job.device))
        observed = {str(key): protocol.observe(value) for key, value in values.items()}
        facts_out, chunks = protocol.encode(observed)
        message = {"event": "done", "probe": index, "token": token, "observations": facts_out}
    except protocol.TooLarge as exc:
        message = {"event": "raised", "probe": index, "token": token, "kind": "raised",
                   "exception": "ResultTooLarge", "message": str(exc), "line": None, "code": ""}
    except _BaseException as exc:  # noqa: BLE001 - student code may raise anything, SystemExit too
        _release_reserve()
        message = {"event": "raised", "probe": index, "token": token, **describe_exception(exc, job.source)}
        del exc  # let the student's frames (and their memory) go now
        chunks = []
    if _getpid() != me:  # a process the student's code forked: it must not answer
        _exit(0)
    _flush()  # what the student printed arrives before the result
    _send(events, message, chunks)


def _serve_kernel(job: Job, source: bytes | Exception, sockets: dict[int, int], commands: Connection,
                  events: Connection, answer: Any, facts: dict[str, Any]) -> None:
    """Full-fidelity mode: become a Jupyter kernel on `sockets`; never returns."""
    try:
        if isinstance(source, Exception):
            raise source
        cells = _notebook_cells(source)

        def ready() -> None:
            for number, cell in enumerate(cells, start=1):
                notebook.name_cell(kernel.cell_filename(cell), number)
            _send(events, {"event": "loaded", **facts, "cells": []})

        kernel.serve(job.workdir, job.key, sockets, commands, answer, ready)
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


def _load(job: Job, source: bytes | Exception, events: Connection, facts: dict[str, Any]) -> dict[str, Any] | None:
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
            seed_everything(SEED)
            exec(code, module.__dict__)  # noqa: S102 - running student code is the point
            ns = module.__dict__
    except _BaseException as exc:  # noqa: BLE001
        _release_reserve()
        message = {"event": "load_failed", **describe_exception(exc, job.source)}
        del exc
        if _getpid() != me:
            _exit(0)
        _flush()
        _send(events, message)
        return None
    if _getpid() != me:
        _exit(0)
    _flush()
    _send(events, {"event": "loaded", **facts})
    return ns


def _run_notebook(job: Job, source: bytes, events: Connection) -> tuple[dict[str, Any], list[dict[str, Any]], int]:
    """Run the notebook's code cells (written by grader.submission as a JSON list of strings)."""
    cells = _notebook_cells(source)
    seed_everything(SEED)

    def describe(exc: BaseException) -> dict[str, Any]:
        _release_reserve()
        facts = describe_exception(exc, job.source)
        try:
            _reserve_memory()
        except MemoryError:
            pass
        return facts

    def started(number: int) -> None:
        _flush()
        _send(events, {"event": "cell", "cell": number})

    return notebook.run_cells(cells, timeout=job.cell_timeout, skip=job.skip_cells, describe=describe,
                              started=started)


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


def describe_exception(exc: BaseException, source: str) -> dict[str, Any]:
    """Plain facts about an exception, with only the student's own frames."""
    def is_student(filename: Any) -> bool:
        return filename == source or (isinstance(filename, str) and notebook.cell_number(filename) is not None)

    try:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if is_student(f.filename)]
    except Exception:  # a traceback the student's code tampered with
        frames = []
    last = frames[-1] if frames else None
    syntax = isinstance(exc, SyntaxError) and is_student(exc.filename)
    if syntax:
        assert isinstance(exc, SyntaxError)
        line, code, where = exc.lineno, str(exc.text or "").strip(), exc.filename
    else:
        line, code = (last.lineno, (last.line or "").strip()) if last else (None, "")
        where = last.filename if last else None
    cell = notebook.cell_number(where) if isinstance(where, str) else None
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
        message = exc.msg if isinstance(exc, SyntaxError) and syntax else str(exc)
    except Exception:  # a hostile __str__
        message = ""
    if kind == "memory" and not message:
        message = protocol.type_name(exc)
    return {
        "kind": kind,
        "exception": protocol.type_name(exc),
        "message": message[:500],
        "line": line if type(line) is int else None,
        "code": code[:200],
        "cell": cell,
        "in_student_code": bool(frames),
    }


def _is_out_of_memory(exc: BaseException) -> bool:
    if isinstance(exc, (MemoryError, torch.OutOfMemoryError)):
        return True
    try:
        text = str(exc) if isinstance(exc, RuntimeError) else ""
    except Exception:
        return False
    return "can't allocate memory" in text or "out of memory" in text


# -- shutting the worker in -------------------------------------------------------------------


def _redirect_output(output: Connection) -> None:
    # Whatever the student prints goes to the grader through this pipe, never to the
    # terminal or the JSON report; stdin is empty.
    fd = output.fileno()
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    output.close()
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)


_GRADER_DIR = str(Path(__file__).resolve().parent.parent)


def _show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                  file: Any = None, line: str | None = None) -> None:
    """A warning as the student sees it: where in their code, never a path inside the grader."""
    where = "" if str(filename).startswith(_GRADER_DIR) else f"{filename}:{lineno}: "
    try:
        sys.stderr.write(f"{where}{category.__name__}: {message}\n")
    except Exception:  # a closed or replaced stderr
        pass


def _close_inherited(keep: set[int]) -> None:
    """Close what the forkserver handed down (its 'alive' pipe, the resource tracker's pipe, ...).

    Through those, student code could make the forkserver or the resource tracker (both
    outside the sandbox) fail, and print a traceback on the grader's stderr.
    """
    from multiprocessing import forkserver, resource_tracker

    # The student's code, if it uses multiprocessing, starts its own resource tracker.
    setattr(resource_tracker._resource_tracker, "_fd", None)
    setattr(forkserver._forkserver, "_forkserver_alive_fd", None)
    try:
        open_fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        return
    for fd in open_fds:
        if fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


def _isolate(job: Job) -> dict[str, Any]:
    """Drop privileges, set limits, confine writes; returns what was applied (for the record)."""
    facts: dict[str, Any] = {}
    torch.set_num_threads(1)
    sys.dont_write_bytecode = True
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a too-large file fails to write; it does not kill
    _lower_limit(resource.RLIMIT_FSIZE, FILE_SIZE_LIMIT)
    _lower_limit(resource.RLIMIT_CPU, CPU_SECONDS)
    prctl(PR_SET_CHILD_SUBREAPER, 1)  # orphans of the student's processes stay below us, killable
    tasks = EXTRA_TASKS + (KERNEL_TASKS if job.kernel else 0)
    if os.geteuid() == 0 and _drop_root(job, facts):
        _lower_limit(resource.RLIMIT_NPROC, tasks)
    else:
        _lower_limit(resource.RLIMIT_NPROC, _tasks_of(os.getuid()) + tasks)
    for name in ("HOME", "TMPDIR", "TMP", "TEMP"):
        os.environ[name] = job.workdir
    os.environ[SANDBOX_VARIABLE] = "1"
    tempfile.tempdir = job.workdir
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    facts["landlock"] = landlock(job.workdir, job.device)
    facts["seccomp"] = seccomp()
    if job.device == "cpu":
        # CUDA reserves far more address space than it uses, so the cap is CPU-only (the
        # grader's memory watchdog covers both).
        _reserve_memory()
        limit = _address_space() + job.memory_mb * 2**20 + (KERNEL_MEMORY if job.kernel else 0)
        _lower_limit(resource.RLIMIT_AS, limit)
    else:
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cuda.matmul.allow_tf32 = False
        _reserve_memory()
    return facts


def _drop_root(job: Job, facts: dict[str, Any]) -> bool:
    """Become a uid of our own; False (still root, Landlock and seccomp still to come) where
    this root may not, e.g. in a user namespace where that uid is not mapped. Failing every
    correct submission there would be worse than grading with less isolation."""
    uid = sandbox_uid(os.getpid())
    try:
        os.chown(job.workdir, uid, uid)
        prctl(PR_SET_KEEPCAPS, 1)
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    except OSError as exc:
        facts["uid_error"] = f"{type(exc).__name__}: {exc}"
        return os.geteuid() != 0  # a half-done switch still counts as done
    # Reading stays as open as it was (Python, torch and the student's folder may sit
    # where only root can look, e.g. under /root); writing, signalling and tracing do not.
    facts["read_all"] = _keep_only(CAP_DAC_READ_SEARCH)
    prctl(PR_SET_KEEPCAPS, 0)
    facts["uid"] = uid
    return True


def _lower_limit(which: int, value: int) -> None:
    soft, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(which, (value, value))


def _tasks_of(uid: int) -> int:
    """How many threads this uid runs (what RLIMIT_NPROC counts)."""
    total = 0
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/status") as status:
                fields = dict(line.split(":", 1) for line in status if ":" in line)
            if int(fields["Uid"].split()[0]) == uid:
                total += int(fields["Threads"])
        except (OSError, KeyError, ValueError):
            continue
    return total


def _address_space() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


_reserve: bytearray | None = None


def _reserve_memory() -> None:
    global _reserve
    _reserve = bytearray(MEMORY_RESERVE)


def _release_reserve() -> None:
    global _reserve
    _reserve = None


# -- Linux: prctl and Landlock, through ctypes (no dependency; absent kernels are skipped) --------

PR_SET_PDEATHSIG = 1
PR_SET_KEEPCAPS = 8
PR_SET_CHILD_SUBREAPER = 36
CAP_DAC_READ_SEARCH = 2
_CAPABILITY_VERSION_3 = 0x20080522
PR_SET_NO_NEW_PRIVS = 38
_SYS_LANDLOCK = {"x86_64": (444, 445, 446), "aarch64": (444, 445, 446)}

_FS_WRITE_FILE, _FS_READ_FILE, _FS_TRUNCATE = 1 << 1, 1 << 2, 1 << 14
_FS_WRITES = (1 << 1) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12)
_FS_REFER = 1 << 13  # ABI 2
_NET_TCP = 1 | 2  # ABI 4: bind, connect
_SCOPE_ALL = 1 | 2  # ABI 6: abstract unix sockets, signals
_DEVICES = ("null", "zero", "full", "random", "urandom")


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _libc() -> Any:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return libc


def _keep_only(capability: int) -> bool:
    """Make `capability` this process's only one (permitted and effective); False if it cannot be had."""

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                    ("inheritable", ctypes.c_uint32)]

    libc = _libc()
    header = Header(_CAPABILITY_VERSION_3, 0)
    wanted = (Data * 2)()
    wanted[capability // 32].effective = wanted[capability // 32].permitted = 1 << (capability % 32)
    try:
        if libc.capset(ctypes.byref(header), wanted) == 0:
            return True
        libc.capset(ctypes.byref(header), (Data * 2)())  # none at all, then
    except (OSError, AttributeError):
        pass
    return False


def landlock_abi() -> int:
    """The kernel's Landlock ABI version; 0 where there is none."""
    numbers = _SYS_LANDLOCK.get(os.uname().machine)
    if numbers is None:
        return 0
    try:
        abi = _libc().syscall(ctypes.c_long(numbers[0]), None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    except (OSError, AttributeError):
        return 0
    return max(int(abi), 0)


def landlock(workdir: str, device: str = "cpu") -> int:
    """Forbid this process (and what it starts) writes outside `workdir`; returns the ABI used, 0 if none."""
    abi = landlock_abi()
    if abi < 1:
        return 0
    create, add_rule, restrict = _SYS_LANDLOCK[os.uname().machine]
    libc = _libc()
    fs = _FS_WRITES | (_FS_REFER if abi >= 2 else 0) | (_FS_TRUNCATE if abi >= 3 else 0)
    attr = _RulesetAttr(fs, _NET_TCP if abi >= 4 else 0, _SCOPE_ALL if abi >= 6 else 0)
    size = 24 if abi >= 6 else 16 if abi >= 4 else 8
    ruleset = libc.syscall(ctypes.c_long(create), ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
    if ruleset < 0:
        return 0
    try:
        file_rights = _FS_WRITE_FILE | (_FS_TRUNCATE if abi >= 3 else 0)
        allowed = [(workdir, fs)] + [(f"/dev/{name}", file_rights) for name in _DEVICES]
        if device != "cpu":
            allowed += [(f"/dev/{name}", file_rights) for name in _listdir("/dev") if name.startswith("nvidia")]
        for path, rights in allowed:
            _add_rule(libc, add_rule, ruleset, path, rights)
        if libc.syscall(ctypes.c_long(restrict), ctypes.c_int(ruleset), ctypes.c_uint32(0)) != 0:
            return 0
    finally:
        os.close(ruleset)
    return abi


def _add_rule(libc: Any, number: int, ruleset: int, path: str, rights: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return
    try:
        if not os.path.isdir(path):
            rights &= _FS_WRITE_FILE | _FS_READ_FILE | _FS_TRUNCATE | 1  # a file takes file rights only
        rule = _PathBeneathAttr(rights, fd)
        libc.syscall(ctypes.c_long(number), ctypes.c_int(ruleset), ctypes.c_int(1), ctypes.byref(rule),
                     ctypes.c_uint32(0))
    finally:
        os.close(fd)


# seccomp: a few system calls that only an escape would need. socket(AF_UNIX): the forkserver
# (outside the sandbox, and in Python 3.11 without authentication) listens on a Unix socket
# that a worker with the grader's uid could otherwise connect to and have it run code;
# io_uring: sockets without socket(); open_by_handle_at: files by handle, around paths;
# another ABI (i386, x32): the same calls under other numbers.
_ARCH = {"x86_64": (0xC000003E, {"socket": 41, "io_uring_setup": 425, "open_by_handle_at": 304}),
         "aarch64": (0xC00000B7, {"socket": 198, "io_uring_setup": 425, "open_by_handle_at": 265})}
_AF_UNIX = 1
_EACCES = 13


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8), ("k", ctypes.c_uint32)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


def seccomp() -> bool:
    """Refuse (EACCES) the system calls above, for this process and what it starts; False if unsupported."""
    arch = _ARCH.get(os.uname().machine)
    if arch is None:
        return False
    audit_arch, numbers = arch
    load, jeq, jge, ret = 0x20, 0x15, 0x35, 0x06  # BPF_LD|W|ABS, BPF_JMP|JEQ|K, BPF_JMP|JGE|K, BPF_RET|K
    deny, allow = 0x00050000 | _EACCES, 0x7FFF0000  # SECCOMP_RET_ERRNO | EACCES, SECCOMP_RET_ALLOW
    program = [
        (load, 0, 0, 4),  # 0: arch
        (jeq, 1, 0, audit_arch),  # 1: native ABI: go on at 3
        (ret, 0, 0, deny),  # 2: any other ABI: refused
        (load, 0, 0, 0),  # 3: syscall number
        (jge, 6, 0, 0x40000000),  # 4: x32 numbers: refused (at 11)
        (jeq, 5, 0, numbers["io_uring_setup"]),  # 5
        (jeq, 4, 0, numbers["open_by_handle_at"]),  # 6
        (jeq, 0, 4, numbers["socket"]),  # 7: not socket(): allowed (at 12)
        (load, 0, 0, 16),  # 8: socket()'s first argument (low half)
        (jeq, 1, 0, _AF_UNIX),  # 9: AF_UNIX: refused (at 11)
        (ret, 0, 0, allow),  # 10
        (ret, 0, 0, deny),  # 11
        (ret, 0, 0, allow),  # 12
    ]
    filters = (_SockFilter * len(program))(*[_SockFilter(*op) for op in program])
    fprog = _SockFprog(len(program), filters)
    try:
        return bool(_libc().prctl(22, 2, ctypes.byref(fprog), 0, 0) == 0)  # PR_SET_SECCOMP, SECCOMP_MODE_FILTER
    except (OSError, AttributeError):
        return False


def _listdir(path: str) -> list[str]:
    try:
        return os.listdir(path)
    except OSError:
        return []


# -- messages ---------------------------------------------------------------------------------


def _send(events: Connection, message: dict[str, Any], chunks: list[Any] | None = None) -> None:
    """One frame: the JSON header, a newline, then the tensors' bytes."""
    frame = bytearray(_dumps(message).encode())
    frame += b"\n"
    for chunk in chunks or ():
        frame += chunk
    chunks = None
    events.send_bytes(frame)


def _reap_children() -> None:
    """Collect the student's processes that have ended (we are their subreaper), so none lingers as a zombie."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()  # type: ignore[union-attr]
        except _BaseException:  # the student may have replaced or closed them
            pass
