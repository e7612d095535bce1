"""The forkserver every worker is forked from, started once with torch and the bank imported.

It is started before the grader imports torch itself, so both imports run at once; a worker
then costs a fork (~10 ms), not an interpreter and a torch import. The forkserver never gets
the grader's stdout (reserved for the JSON report), nor re-runs the grader's `__main__`.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from grader.sandbox.processes import PR_SET_DUMPABLE, prctl

PRELOAD = ["torch", "grader.sandbox.child"]
# What notebooks use, imported once in the forkserver rather than in every worker; torch._dynamo is
# what a notebook's first torch.optim optimizer imports (about a second). The rest (~25 ms a worker):
# what creating the worker's IPython shell, `%matplotlib inline` and a first plot import.
NOTEBOOK_PRELOAD = ("IPython.core.interactiveshell", "matplotlib.pyplot", "torch._dynamo",
                    "IPython.core.application", "IPython.core.completer", "IPython.core.magics",
                    "matplotlib.backends.backend_agg", "matplotlib_inline.backend_inline")
KERNEL_PRELOAD = ("ipykernel.kernelapp",)


def warm_up(*, notebooks: bool = False, kernel: bool = False, exercises: tuple[str, ...] = ()) -> None:
    """Start the forkserver now, so that it imports torch while the grader does too.

    With `notebooks`, it also imports what notebooks use (IPython, matplotlib with the Agg
    backend), once, instead of in every worker, and with `kernel` ipykernel too; with
    `exercises`, their checks (which every worker imports otherwise). A forkserver
    already running is kept.
    """
    if os.geteuid() != 0:
        # Without a uid of their own, workers could otherwise open /proc/<grader>/fd/1
        # where Landlock is missing; a non-dumpable process refuses that.
        prctl(PR_SET_DUMPABLE, 0)
    preload = (NOTEBOOK_PRELOAD if notebooks or kernel else ()) + (KERNEL_PRELOAD if kernel else ())
    if exercises:
        from grader import bank

        # The names grader.bank.preload reads (not imported here: importing it runs it, and it would
        # replace this process's banks with none).
        PRELOAD, BANKS = "GRADER_PRELOAD", "GRADER_PRELOAD_BANKS"
        os.environ[PRELOAD] = ",".join(bank.get(name).ref for name in exercises)
        os.environ[BANKS] = os.pathsep.join(bank.roots())
        preload += ("grader.bank.preload",)
    try:
        ensure_server(preload)  # the forkserver reads the two variables as it starts
    finally:
        if exercises:
            os.environ.pop(PRELOAD, None)
            os.environ.pop(BANKS, None)


def ensure_server(extra: tuple[str, ...] = ()) -> None:
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
def children_allowed() -> Iterator[None]:
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
