"""Inside the worker: what a check observes is what the student's code left once all of it has run.

A function could return, then change its inputs (or its result) from a thread it started:
observed at once, the values would not show it. So the worker takes a check's observations
only after every Python thread started while the check ran has finished (`settle`), waiting
for them within the check's time limit; a thread still running then makes the check an error
(ThreadStillRunning), and the grader replaces the worker, so that the thread touches no other
check either.

Threads that were running before the check (ipykernel's, torch's native pools, a thread the
student's file started at import) are not waited for; threads that started and ended during
the check cost nothing. A Python thread is seen through its frames (`sys._current_frames`);
one started but not yet running Python, through the wrapper `install` puts around `_thread`'s
functions that start threads (and through `_thread._count()`).
"""

from __future__ import annotations

import _thread
import sys
import time
from dataclasses import dataclass
from typing import Any

STILL_RUNNING = "ThreadStillRunning"  # the exception name the check's error gives
MARGIN = 0.25  # of the check's limit, left for observing and answering after the wait
_POLL_FIRST, _POLL_MAX = 0.0005, 0.02  # seconds between two looks

# Captured when the module is imported (before any student code runs in the worker).
_frames = sys._current_frames
_count = getattr(_thread, "_count", lambda: 0)
_monotonic, _sleep = time.monotonic, time.sleep
_STARTERS = ("start_new_thread", "start_new", "start_joinable_thread")  # _thread's, by Python version
_starting: set[object] = set()  # threads asked for, not yet running Python


def install() -> None:
    """Let `settle` see threads that are started but not running yet (call it once, in the worker)."""
    import threading

    for name in _STARTERS:
        if hasattr(_thread, name):
            setattr(_thread, name, _starter(getattr(_thread, name)))
    for name in ("_start_new_thread", "_start_joinable_thread"):
        if hasattr(threading, name):
            setattr(threading, name, _starter(getattr(threading, name)))


def _starter(start: Any) -> Any:
    """`start` (one of _thread's functions), noting each thread from its request until it runs."""
    def started(function: Any, *rest: Any, **options: Any) -> Any:
        token = object()
        _starting.add(token)

        def run(*args: Any, **kwargs: Any) -> Any:
            _starting.discard(token)
            return function(*args, **kwargs)

        try:
            return start(run, *rest, **options)
        except BaseException:
            _starting.discard(token)
            raise

    return started


@dataclass(frozen=True)
class Mark:
    """The threads running as a check started."""

    idents: frozenset[int]
    count: int


def mark() -> Mark:
    """Note the threads running now (call it just before the student's code runs for a check)."""
    return Mark(frozenset(_frames()), _count())


def settle(before: Mark, limit: float) -> float | None:
    """Wait until the threads started since `before` have finished, at most (1 - MARGIN) * `limit`
    seconds; None once they have, else how many seconds were waited (they still run)."""
    started = _monotonic()
    deadline = started + max(limit, 0.0) * (1 - MARGIN)
    pause = _POLL_FIRST
    while _running(before):
        now = _monotonic()
        if now >= deadline:
            return now - started
        _sleep(min(pause, deadline - now))
        pause = min(pause * 2, _POLL_MAX)
    return None


def _running(before: Mark) -> bool:
    return bool(_starting) or bool(_frames().keys() - before.idents) or _count() > before.count
