"""Finding a class's submissions: one file per student (`<student>.ipynb`) or one folder per student.

A submission is read here, in the grader, into plain data (a `Task`): the grading itself
can then run anywhere, in a thread or on a Dask worker without the submissions folder.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from grader import keys
from grader.errors import GraderError
from grader.submission import SUFFIXES, UnreadableSubmission, code_cells, read

IGNORED = {"__pycache__", ".ipynb_checkpoints", "__MACOSX"}
Contents = dict[Path, bytes | UnreadableSubmission]  # each file's bytes, or why it cannot be read


@dataclass(frozen=True)
class Submission:
    """One student's files, as found; `problem` says why they cannot be graded at all."""

    student: str
    path: Path  # the student's file or folder
    files: tuple[Path, ...] = ()
    problem: str = ""  # why, as a key (grader.keys), said in the feedback's language


@dataclass(frozen=True)
class Part:
    """Exercises graded from the same code: a .py file's text, or notebook cells."""

    exercises: tuple[str, ...]
    shown: str  # the file(s), relative to the submissions folder
    text: str = ""  # a single .py file, run as a module
    cells: tuple[str, ...] | None = None  # otherwise, code cells run one by one


@dataclass(frozen=True)
class Task:
    """Everything needed to grade one student, as plain data."""

    student: str
    content_hash: str
    files: tuple[str, ...]
    parts: tuple[Part, ...] = ()
    problem: str = ""  # set (a key, see Submission): the submission cannot be read, every exercise scores 0
    exercises: tuple[str, ...] = ()


def discover(folder: Path) -> list[Submission]:
    """Every student's submission in `folder`, sorted by student id; duplicates flagged."""
    if not folder.is_dir():
        raise GraderError(f"{folder}: no such folder of submissions. Pass the folder holding one notebook "
                          "(or .py file) per student, or one folder per student.")
    found: dict[str, list[Submission]] = defaultdict(list)
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith(".") or entry.name in IGNORED:
            continue
        submission = _folder_submission(entry) if entry.is_dir() else _file_submission(entry)
        found[submission.student].append(submission)
    if not found:
        raise GraderError(f"{folder}: no submissions found. Expected one .ipynb or .py file per student "
                          "(alice.ipynb) or one folder per student (alice/).")
    return [_one(student, entries, folder) for student, entries in sorted(found.items())]


def single(folder: Path, student: str) -> Submission:
    """`folder` as one student's submission (`grader grade DIR --student ID`, e.g. on Gradescope)."""
    if not folder.is_dir():
        raise GraderError(f"{folder}: no such folder for student '{student}'.")
    return _folder_submission(folder, student=student)


def _file_submission(path: Path) -> Submission:
    if path.suffix not in SUFFIXES:
        return Submission(path.stem, path, (path,), problem=UnreadableSubmission("not_code", path.name).key())
    return Submission(path.stem, path, (path,))


def _folder_submission(path: Path, student: str | None = None) -> Submission:
    files = tuple(sorted(
        f for f in path.rglob("*")
        if f.is_file() and f.suffix in SUFFIXES
        and not any(part.startswith(".") or part in IGNORED for part in f.relative_to(path).parts)
    ))
    if not files:
        return Submission(student or path.name, path, problem=keys.call("submission.empty_folder", path=path.name))
    return Submission(student or path.name, path, files)


def _one(student: str, entries: list[Submission], root: Path) -> Submission:
    if len(entries) == 1:
        return entries[0]
    names = ", ".join(_relative(e.path, root) + ("/" if e.path.is_dir() else "") for e in entries)
    return Submission(student, entries[0].path, problem=keys.call("submission.several", student=student, names=names))


def load(submission: Submission, exercises: tuple[str, ...], root: Path) -> Task:
    """Read the submission's files into a Task: which code grades which exercise.

    Each file is read once: the same bytes give the content hash and the code.
    """
    relative = tuple(_relative(f, root) for f in submission.files)
    contents = _read(submission.files)
    digest = _digest(contents, relative)
    if submission.problem:
        return Task(submission.student, digest, relative, problem=submission.problem, exercises=exercises)
    try:
        parts = _parts(submission, exercises, root, contents)
    except UnreadableSubmission as exc:
        return Task(submission.student, digest, relative, problem=exc.key(_student_words(exc.path, root)),
                    exercises=exercises)
    return Task(submission.student, digest, relative, parts=parts, exercises=exercises)


def _read(files: tuple[Path, ...]) -> Contents:
    contents: Contents = {}
    for path in files:
        try:
            contents[path] = read(path)
        except UnreadableSubmission as exc:
            contents[path] = exc
    return contents


def _parts(submission: Submission, exercises: tuple[str, ...], root: Path, contents: Contents) -> tuple[Part, ...]:
    """An exercise's own file (`sq_loss.py` in the student's folder) grades it; the rest grade the others."""
    own = {f.stem: f for f in submission.files if f.stem in exercises}
    rest = [f for f in submission.files if f not in own.values()]
    parts = [_part((name,), [own[name]], root, contents) for name in exercises if name in own]
    others = tuple(name for name in exercises if name not in own)
    if others and rest:
        parts.append(_part(others, rest, root, contents))
    elif others:
        parts.append(Part(others, shown="", cells=()))  # nothing else to grade them from: names are missing
    return tuple(parts)


def _part(exercises: tuple[str, ...], files: list[Path], root: Path, contents: Contents) -> Part:
    shown = ", ".join(_relative(f, root) for f in files)
    if len(files) == 1 and files[0].suffix == ".py":
        return Part(exercises, shown, text=_cells(files[0], contents)[0])
    cells: list[str] = []
    for f in files:
        cells.extend(_cells(f, contents))
    return Part(exercises, shown, cells=tuple(cells))


def _cells(path: Path, contents: Contents) -> list[str]:
    data = contents[path]
    if isinstance(data, UnreadableSubmission):
        raise data
    return code_cells(path, data)


def _digest(contents: Contents, names: tuple[str, ...]) -> str:
    """The hash of the files (in `contents` order) and their names: a change to either regrades the student."""
    digest = hashlib.sha256()
    for data, name in zip(contents.values(), names):
        digest.update(name.encode("utf-8", "surrogateescape") + b"\0")
        digest.update(data if isinstance(data, bytes) else b"<unreadable>")
        digest.update(b"\0")
    return digest.hexdigest()


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def _student_words(path: str, root: Path) -> str:
    """The file's name as the student knows it: without the submissions folder."""
    prefix = str(root).rstrip("/") + "/"
    return path.removeprefix(prefix)
