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
from typing import Any

from grader import keys
from grader.errors import GraderError, SubmissionNotFound

SUFFIXES = (".py", ".ipynb")
_LITERALS = ("true", "false", "null", "NaN", "Infinity", "-Infinity")  # what json reads beyond strings and numbers
_HALF_NUMBER = re.compile(r"\.|[eE][-+]?")  # after a number's digits: its fraction or exponent, cut off
_HALF_ESCAPE = re.compile(r"\\|u[0-9a-fA-F]{0,4}")  # in a string that ends there: "\" or "\u00"
RESAVE = keys.call("submission.resave")  # what to do about a notebook that cannot be read


class UnreadableSubmission(GraderError):
    """The submission exists but cannot be read as Python or as a notebook: why, as a message id (`submission.*`)
    and its facts, said in the reader's language (`said`); `str()` is the English."""

    def __init__(self, kind: str, path: Path | str, **facts: Any) -> None:
        self.kind, self.path, self.facts = kind, str(path), facts
        super().__init__(self.said("en"))

    def key(self, shown: str | None = None) -> str:
        """The message as a key (grader.keys), naming the file as `shown` (default: its path)."""
        return keys.call(f"submission.{self.kind}", path=self.path if shown is None else shown, **self.facts)

    def said(self, lang: str, shown: str | None = None) -> str:
        return keys.said(self.key(shown), lang)

    def __reduce__(self) -> tuple[Any, ...]:  # pickled whole (a process pool's worker raising it)
        return _unreadable, (self.kind, self.path, self.facts)


def _unreadable(kind: str, path: str, facts: dict[str, Any]) -> UnreadableSubmission:
    return UnreadableSubmission(kind, path, **facts)


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
        raise UnreadableSubmission("cannot_read", path, why=exc.strerror or str(exc)) from None


def code_cells(path: Path, data: bytes | None = None) -> list[str]:
    """The code cells of a notebook, in order (a .py file is one cell); UnreadableSubmission if it cannot be read.

    `data`: the file's bytes, when the caller has read them already.
    """
    if path.suffix not in SUFFIXES:
        raise UnreadableSubmission("not_code", path)
    if data is None:
        data = read(path)
    if path.suffix == ".py":
        return [data.decode("utf-8", "replace")]
    return _notebook_cells(path, data)


def _notebook_cells(path: Path, data: bytes) -> list[str]:
    import nbformat

    if not data.strip():
        raise UnreadableSubmission("empty", path, how=RESAVE)
    try:
        notebook = nbformat.convert(nbformat.reader.reads(data.decode("utf-8")), 4)
        cells = [cell for cell in notebook.cells if cell.get("cell_type") == "code"]
        sources = [_text(cell.get("source", "")) for cell in cells]
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data":  # a character whose last bytes are missing: cut off there
            raise UnreadableSubmission("cut_off", path, how=RESAVE) from None
        raise UnreadableSubmission("not_utf8", path, how=RESAVE) from None
    except Exception as exc:  # nbformat's NotJSONError, a missing key, a cell that is not text ...
        cause = exc.__cause__
        if isinstance(cause, json.JSONDecodeError):
            if _cut_off(cause):
                raise UnreadableSubmission("cut_off", path, how=RESAVE) from None
            raise UnreadableSubmission("invalid_json", path, line=cause.lineno, how=RESAVE) from None
        why = f"{type(exc).__name__}: {str(exc)[:120]}" if str(exc) else type(exc).__name__
        raise UnreadableSubmission("not_notebook", path, why=why, how=RESAVE) from None
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
