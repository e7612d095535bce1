"""The worker's processes, from /proc: find them all, watch their memory and disk, kill them."""

from __future__ import annotations

import ctypes
import os
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path

WATCH_INTERVAL = 0.25  # seconds between two looks at the worker's memory
DISK_LIMIT = 1024 * 2**20  # bytes of files the worker may leave in its directory
FILES_LIMIT = 20_000  # files and folders it may create there


class Watchdog:
    """Kills the worker's processes when together they use far more memory than allowed,
    or fill its directory with too many files or bytes (the disk is shared)."""

    def __init__(self, pid: int, uid: int | None, limit: int, workdir: Path) -> None:
        self.pid, self.uid, self.limit, self.workdir = pid, uid, limit, workdir
        self.used = 0  # bytes of memory, when it tripped for memory
        self.disk: tuple[int, int] | None = None  # (bytes, files), when it tripped for the disk
        self.tripped = threading.Event()
        self._stop = threading.Event()
        table = _processes()
        self._baseline = table[pid].rss if pid in table else 0
        self._thread = threading.Thread(target=self._run, name="sandbox-watchdog", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        tick = 0
        known: list[int] = [self.pid]
        while not self._stop.wait(WATCH_INTERVAL):
            tick += 1
            try:
                if tick % 4 == 1:  # a full look at /proc each second; in between, only at those we know
                    known = list(_members(self.pid, self.uid))
                used = sum(max(0, _rss(p) - self._baseline) for p in known)
            except Exception:  # /proc changed under us: look again next time
                continue
            if used > self.limit:
                self.used = used
            elif tick % 4 == 0:
                size, count = _tree_size(self.workdir)
                if size <= DISK_LIMIT and count <= FILES_LIMIT:
                    continue
                self.disk = (size, count)
            else:
                continue
            self.tripped.set()
            reap(self.pid, self.uid)
            return

    def stop(self) -> None:
        self._stop.set()


# -- the worker's processes, from /proc --------------------------------------------------------


@dataclass
class _Proc:
    ppid: int
    pgid: int
    uid: int
    rss: int  # bytes


def _processes() -> dict[int, _Proc]:
    """Every live (not zombie) process: its parent, group, real uid and resident memory."""
    table: dict[int, _Proc] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/status", "rb") as f:
                text = "\n" + f.read().decode("ascii", "replace")
        except OSError:
            continue
        try:
            if _field(text, "State", "").strip().startswith(("Z", "X")):
                continue
            rss = int(_field(text, "VmRSS", "0 kB").split()[0]) * 1024
            table[int(name)] = _Proc(ppid=int(_field(text, "PPid")), pgid=int(_field(text, "NSpgid", "0").split()[0]),
                                     uid=int(_field(text, "Uid").split()[0]), rss=rss)
        except (KeyError, ValueError, IndexError):
            continue
    return table


def _field(text: str, key: str, default: str | None = None) -> str:
    """The value of `key` in a /proc/<pid>/status text that starts with a newline (the kernel escapes
    newlines in a process's name, so every field is at a line's start); KeyError without `default`.

    Found with str.find rather than by splitting every line: the grader reads all of /proc this way
    after every check."""
    start = text.find(f"\n{key}:")
    if start < 0:
        if default is None:
            raise KeyError(key)
        return default
    start += len(key) + 2
    end = text.find("\n", start)
    return text[start:] if end < 0 else text[start:end]


def _rss(pid: int) -> int:
    """Resident bytes of a process (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return 0


_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _members(pid: int, uid: int | None) -> dict[int, _Proc]:
    """The worker and every process it started: same group, descendants, or (root grader) same uid."""
    table = _processes()
    members: dict[int, _Proc] = {}
    for p, proc in table.items():
        if p == pid or proc.pgid == pid or (uid is not None and proc.uid == uid):
            members[p] = proc
            continue
        seen, q = 0, proc.ppid
        while q > 1 and seen < 64:
            if q == pid:
                members[p] = proc
                break
            parent = table.get(q)
            if parent is None:
                break
            q, seen = parent.ppid, seen + 1
    return members


def _tree_size(folder: Path) -> tuple[int, int]:
    """Bytes and entries under `folder` (counting stops a little past the limits)."""
    size = count = 0
    todo = [str(folder)]
    while todo and count <= FILES_LIMIT and size <= DISK_LIMIT:
        try:
            with os.scandir(todo.pop()) as entries:
                for entry in entries:
                    count += 1
                    if entry.is_dir(follow_symlinks=False):
                        todo.append(entry.path)
                    elif entry.is_file(follow_symlinks=False):
                        size += entry.stat(follow_symlinks=False).st_blocks * 512
        except OSError:
            continue
    return size, count


def reap(pid: int, uid: int | None, *, spare_worker: bool = False) -> None:
    """SIGKILL the worker and everything it started, again until nothing is left (bounded).

    With `spare_worker`, only what it started: processes do not outlive the check that started them.
    """
    if pid <= 1:
        return
    for _ in range(50):
        if not spare_worker:
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        try:
            victims = [p for p in _members(pid, uid) if p != os.getpid() and not (spare_worker and p == pid)]
        except OSError:
            return
        if not victims:
            return
        for p in victims:
            try:
                os.kill(p, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.01)


# -- Linux ------------------------------------------------------------------------------------

PR_SET_DUMPABLE = 4


def prctl(option: int, value: int) -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(option, ctypes.c_ulong(value), 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False
