"""A bank's config file (`torchgrader.toml` at its root): its name, language, assignments and points.

```toml
[bank]
name = "mycourse"          # what `mycourse:exercise` refers to; default: the folder's name
title = "My course"
lang = "ja"                # the feedback's language in this bank where no --lang is given

[[assignments]]
name = "week1"
title = "Week 1: tensors"
exercises = ["sq_loss", "my_exercise"]
setup = "import torch"     # code run before each submission (what the course's environment provides)

[points]                   # points overrides: "exercise.check" = points
"my_exercise.values" = 2
```
Errors name the file and the line.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from grader.errors import GraderError

CONFIG = "torchgrader.toml"
NAME = r"^[a-z][a-z0-9_]*$"


class BankError(GraderError):
    """A bank that cannot be used (its message names the file, the line where known, and what to do)."""


class Assignment(BaseModel):
    """A named set of exercises an instructor grades together, and what the course's environment provides."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=NAME)
    title: str = ""
    exercises: tuple[str, ...] = Field(min_length=1)
    setup: str = ""  # Python run in the student's namespace before the submission (e.g. fastai's names)


class BankInfo(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str | None = Field(default=None, pattern=NAME)
    title: str = ""
    lang: Literal["en", "ja"] | None = None  # None: not set (the locale decides, see i18n.default_language)


class BankConfig(BaseModel):
    """The config file, validated."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    bank: BankInfo = BankInfo()
    assignments: tuple[Assignment, ...] = ()
    points: dict[str, float] = Field(default_factory=dict)


def read(path: Path) -> BankConfig:
    """The config at `path`, validated; BankError naming the file and line otherwise."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BankError(f"{path}: cannot be read ({exc}).") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"at line (\d+)", str(exc))
        raise BankError(f"{path}:{found.group(1) if found else 1}: not valid TOML: {exc}. Fix the syntax "
                        "at that line.") from None
    try:
        config = BankConfig.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        raise BankError(f"{path}:{_line(text, error['loc'])}: {where}: {error['msg']}.") from None
    _check_assignments(path, text, config)
    return config


def _check_assignments(path: Path, text: str, config: BankConfig) -> None:
    seen: set[str] = set()
    for index, assignment in enumerate(config.assignments):
        line = _line(text, ("assignments", index))
        if assignment.name in seen:
            raise BankError(f"{path}:{line}: assignment '{assignment.name}' is defined twice; rename one.")
        seen.add(assignment.name)
        twice = sorted({e for e in assignment.exercises if assignment.exercises.count(e) > 1})
        if twice:
            raise BankError(f"{path}:{line}: assignment '{assignment.name}' lists {', '.join(twice)} twice.")
        if assignment.setup:
            try:
                compile(assignment.setup, f"{path} (assignment {assignment.name}, setup)", "exec")
            except SyntaxError as exc:
                raise BankError(f"{path}:{line}: assignment '{assignment.name}': its setup code has a syntax "
                                f"error ({exc.msg}, line {exc.lineno} of the setup).") from None
    for key, points in config.points.items():
        if not re.fullmatch(r"[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*", key) or points <= 0:
            raise BankError(f"{path}:{_find(text, key)}: [points] \"{key}\" = {points:g}: give "
                            "\"exercise.check\" = a number of points above 0.")


def line_of(path: Path, loc: tuple[object, ...]) -> int:
    """The line of the config file at `path` that a location (as pydantic gives them) points to."""
    try:
        return _line(path.read_text(encoding="utf-8"), loc)
    except (OSError, UnicodeDecodeError):
        return 1


def _line(text: str, loc: tuple[object, ...]) -> int:
    """The line of the config a validation error's location points to, as near as can be told."""
    if len(loc) >= 2 and loc[0] == "assignments" and isinstance(loc[1], int):
        starts = [m.start() for m in re.finditer(r"^[ \t]*\[\[[ \t]*assignments[ \t]*\]\]", text, re.MULTILINE)]
        if loc[1] < len(starts):
            start = starts[loc[1]]
            if len(loc) >= 3 and isinstance(loc[2], str):
                found = re.compile(rf"^[ \t]*{re.escape(loc[2])}[ \t]*=", re.MULTILINE).search(text, start)
                if found:
                    start = found.start()
            return text.count("\n", 0, start) + 1
    for part in reversed(loc):
        if isinstance(part, str):
            return _find(text, part)
    return 1


def _find(text: str, key: str) -> int:
    found = re.search(rf"^[ \t]*\"?{re.escape(key)}\"?[ \t]*=|^[ \t]*\[{re.escape(key)}\]", text, re.MULTILINE)
    return text.count("\n", 0, found.start()) + 1 if found else 1
