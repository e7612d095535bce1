"""Inside the worker: its descriptors and streams, set up before any student code runs.

stdout and stderr go into the pipe the grader drains (never the terminal, never the JSON
report), stdin is empty, no descriptor inherited from the forkserver stays open but the
message pipes, and warnings never show a path inside the grader.
"""

from __future__ import annotations

import os
import sys
from multiprocessing.connection import Connection
from typing import Any

from grader.sandbox.neutral import NEUTRAL_FILE, PACKAGE_DIR

_BaseException = BaseException  # captured before any student code runs


def redirect_output(output: Connection) -> None:
    """Whatever the student prints goes to the grader through `output`, never to the terminal or
    the JSON report; stdin is empty."""
    fd = output.fileno()
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    output.close()
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)


def switch_output(output: Connection) -> None:
    """From now on, stdout and stderr go into `output` (the checks' pipe, once the submission has loaded).
    The Connection itself is closed (not only its descriptor): a student's code that finds it can write
    through it to nothing, never to whatever reuses the descriptor's number."""
    flush()
    os.dup2(output.fileno(), 1)
    os.dup2(output.fileno(), 2)
    output.close()


def show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                 file: Any = None, line: str | None = None) -> None:
    """A warning as the student sees it: where in their code, never a path inside the grader."""
    ours = str(filename).startswith(PACKAGE_DIR) or filename == NEUTRAL_FILE
    where = "" if ours else f"{filename}:{lineno}: "
    try:
        sys.stderr.write(f"{where}{category.__name__}: {message}\n")
    except Exception:  # a closed or replaced stderr
        pass


def close_inherited(keep: set[int]) -> None:
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


def flush() -> None:
    """Flush what the student printed (through whatever they left of sys.stdout and sys.stderr)."""
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()  # type: ignore[union-attr]
        except _BaseException:  # the student may have replaced or closed them
            pass
