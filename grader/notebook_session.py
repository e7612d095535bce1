"""`grader.check()` inside Jupyter or Colab: grade the cells the student has run so far.

Their source is run again in the isolated worker, exactly like a submitted notebook; the
live objects in the student's kernel are never trusted or touched.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from grader.submission import Source

SANDBOX_VARIABLE = "GRADER_IN_SANDBOX"  # set in the worker, where grader.check() grades nothing


def in_sandbox() -> bool:
    return os.environ.get(SANDBOX_VARIABLE) == "1"


def active() -> bool:
    """Whether we run in a Jupyter (or Colab) kernel."""
    shell = _shell()
    return shell is not None and getattr(shell, "kernel", None) is not None


@contextmanager
def history_source() -> Iterator[Source]:
    """The cells run so far in this kernel, in the order they ran, as a notebook source."""
    from grader.submission import cells_source

    shell = _shell()
    raw = list(getattr(getattr(shell, "history_manager", None), "input_hist_raw", []) or [])
    cells = [cell for cell in raw[1:] if isinstance(cell, str) and cell.strip()]
    with cells_source(cells, shown="this notebook") as source:
        yield source


def _shell() -> Any:
    if "IPython" not in sys.modules:  # never import IPython just to find out
        return None
    from IPython import get_ipython

    return get_ipython()
