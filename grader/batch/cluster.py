"""Grading on a Dask distributed cluster (`grader grade --scheduler ADDRESS`).

Each task is a `submissions.Task` (plain data: the code, not paths), so workers need the
package installed but not the submissions folder; every worker grades with its own
sandbox, exactly as a local run does. What every task needs alike (the banks' files) is sent
once (`ClusterExecutor.broadcast`), and each task refers to it.
"""

from __future__ import annotations

import concurrent.futures as cf
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from grader.errors import GraderError

EXTRA = "pip install 'torchgrader[cluster]'"


class ClusterExecutor(cf.Executor):
    """Dask's concurrent.futures executor for one client, and a way to send a value to every worker once."""

    def __init__(self, client: Any, pool: cf.Executor) -> None:
        self._client, self._pool = client, pool

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> cf.Future[Any]:
        return self._pool.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)

    def broadcast(self, value: Any) -> Any:
        """`value`, sent once to every worker now (a worker that joins later copies it from another when a task
        needs it): what a task takes as an argument in its place, and Dask hands the task the value itself."""
        [future] = self._client.scatter([value], broadcast=True, hash=False)
        return future


@contextmanager
def dask_executor(address: str) -> Iterator[ClusterExecutor]:
    """A concurrent.futures executor whose tasks run on the cluster at `address`."""
    try:
        from distributed import Client
    except ImportError:
        raise GraderError(f"--scheduler needs Dask distributed, which is not installed: {EXTRA}") from None
    _reachable(address)
    try:
        client = Client(address, timeout="20s", set_as_default=False)
    except Exception as exc:  # noqa: BLE001 - OSError, TimeoutError, ValueError for a bad address ...
        raise GraderError(f"--scheduler {address}: cannot reach the Dask scheduler ({type(exc).__name__}: {exc}). "
                          "Check the address (tcp://host:8786) and that the scheduler is running.") from None
    try:
        with client.get_executor(pure=False) as pool:
            yield ClusterExecutor(client, pool)
    finally:
        client.close()


def _reachable(address: str) -> None:
    """Fail at once when nothing listens at a tcp:// address (Dask's Client would retry for 20 s)."""
    from distributed.comm.addressing import parse_address, parse_host_port

    try:
        scheme, location = parse_address(address)
        if scheme != "tcp":
            return  # tls://, inproc://, ucx://: Dask's own connect says what is wrong
        host, port = parse_host_port(location)
        socket.create_connection((host, port), timeout=5.0).close()
    except (ConnectionRefusedError, socket.gaierror) as exc:
        raise GraderError(f"--scheduler {address}: nothing answers there ({exc.strerror or exc}). Check the "
                          "address (tcp://host:8786) and that the scheduler is running.") from None
    except (OSError, ValueError, TypeError):
        return  # slow or odd: let Dask try, within its timeout
