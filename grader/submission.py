"""A student's submission as the sandbox loads it: a .py file as is, or notebook code cells.

Notebooks (and folders of several files) become a list of code cells, written as JSON for
the worker, which runs them one by one in an IPython shell (grader/sandbox/notebook.py).
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from grader.errors import GraderError, SubmissionNotFound

SUFFIXES = (".py", ".ipynb")
_LITERALS = ("true", "false", "null", "NaN", "Infinity", "-Infinity")  # what json reads beyond strings and numbers
_HALF_NUMBER = re.compile(r"\.|[eE][-+]?")  # after a number's digits: its fraction or exponent, cut off
_HALF_ESCAPE = re.compile(r"\\|u[0-9a-fA-F]{0,4}")  # in a string that ends there: "\" or "\u00"


class UnreadableSubmission(GraderError):
    """The submission exists but cannot be read as Python or as a notebook."""


@dataclass(frozen=True)
class Source:
    """What the worker loads."""

    path: Path  # the .py file, or a JSON list of code cells
    notebook: bool  # `path` holds cells, run one by one
    shown: str  # the student's file(s), as messages name them


@contextmanager
def prepared(path: Path, exercise: str) -> Iterator[Source]:
    """The source to load for the student's file `path` (.py or .ipynb), which must exist."""
    if not path.is_file():
        raise SubmissionNotFound(str(path), exercise)
    if path.suffix == ".py":
        yield Source(path, notebook=False, shown=str(path))
        return
    with combined([path], shown=str(path)) as source:
        yield source


@contextmanager
def combined(paths: Sequence[Path], *, shown: str) -> Iterator[Source]:
    """Several files (each .py one cell, each notebook its code cells) run in order as one notebook."""
    cells: list[str] = []
    for path in paths:
        cells.extend(code_cells(path))
    with cells_source(cells, shown=shown) as source:
        yield source


@contextmanager
def cells_source(cells: list[str], *, shown: str) -> Iterator[Source]:
    """Code cells, written where the worker reads them."""
    with tempfile.TemporaryDirectory(prefix="grader-nb-") as folder:
        target = Path(folder) / "cells.json"
        target.write_text(json.dumps(cells), encoding="utf-8")
        yield Source(target, notebook=True, shown=shown)


def read(path: Path) -> bytes:
    """The file's bytes; UnreadableSubmission if it cannot be read."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UnreadableSubmission(f"{path}: cannot be read ({exc.strerror or exc}).") from None


def code_cells(path: Path, data: bytes | None = None) -> list[str]:
    """The code cells of a notebook, in order (a .py file is one cell); UnreadableSubmission if it cannot be read.

    `data`: the file's bytes, when the caller has read them already.
    """
    if path.suffix not in SUFFIXES:
        raise UnreadableSubmission(
            f"{path}: not a Python file or a Jupyter notebook; submit a .py or .ipynb file.")
    if data is None:
        data = read(path)
    if path.suffix == ".py":
        return [data.decode("utf-8", "replace")]
    return _notebook_cells(path, data)


def _notebook_cells(path: Path, data: bytes) -> list[str]:
    import nbformat

    how = "Open it in Jupyter, save it again, and resubmit it (or submit a .py file)."
    if not data.strip():
        raise UnreadableSubmission(f"{path}: the notebook is empty. {how}")
    try:
        notebook = nbformat.convert(nbformat.reader.reads(data.decode("utf-8")), 4)
        cells = [cell for cell in notebook.cells if cell.get("cell_type") == "code"]
        sources = [_text(cell.get("source", "")) for cell in cells]
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data":  # a character whose last bytes are missing: cut off there
            raise UnreadableSubmission(f"{path}: not a readable Jupyter notebook (the file is cut off). {how}") from None
        raise UnreadableSubmission(f"{path}: not a Jupyter notebook (the file is not UTF-8 text). {how}") from None
    except Exception as exc:  # nbformat's NotJSONError, a missing key, a cell that is not text ...
        cause = exc.__cause__
        if isinstance(cause, json.JSONDecodeError):
            why = "the file is cut off" if _cut_off(cause) else f"invalid JSON at line {cause.lineno}"
        else:
            why = f"{type(exc).__name__}: {str(exc)[:120]}" if str(exc) else type(exc).__name__
        raise UnreadableSubmission(f"{path}: not a readable Jupyter notebook ({why}). {how}") from None
    return sources


def _cut_off(error: json.JSONDecodeError) -> bool:
    """Whether the JSON is a valid start that ends too soon, rather than wrong somewhere.

    The decoder stops where it can read no further: in a file cut off, that is a string that never
    closes, the end itself, or the half-written token just before it ("tru", "1e-", "\\u00").
    """
    if error.msg.startswith("Unterminated string"):  # the decoder met the end before a closing quote
        return True
    tail = error.doc[error.pos:].rstrip()
    if error.msg.startswith("Invalid \\"):  # Invalid \escape, Invalid \uXXXX escape
        return _HALF_ESCAPE.fullmatch(tail) is not None
    return (not tail or _HALF_NUMBER.fullmatch(tail) is not None
            or any(word.startswith(tail) and word != tail for word in _LITERALS))


def _text(source: object) -> str:
    if isinstance(source, list):
        return "".join(str(line) for line in source)
    if not isinstance(source, str):
        raise TypeError("a cell's source is not text")
    return source
