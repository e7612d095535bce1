"""Fixtures: a temporary student workspace and a real `grader` subprocess."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# The suite assumes a non-Japanese locale (the feedback's default language follows it, see
# grader.i18n.default_language, read when a report is made): pinned for the session and the graders it starts,
# so that a Japanese developer's machine runs the suite the same.
os.environ.update({"LC_ALL": "C.UTF-8", "LANG": "C.UTF-8", "LANGUAGE": "en"})
os.environ.pop("LC_MESSAGES", None)

ROOT = Path(__file__).resolve().parent.parent
EXERCISES = ("sq_loss", "simple_graph", "my_linear", "broadcast_distances", "train_loop", "cnn_classifier")


def reference_path(exercise: str) -> Path:
    return ROOT / "reference_solutions" / f"{exercise}.py"


def mutant_path(exercise: str, mutant: str) -> Path:
    return ROOT / "exercises" / exercise / "mutants" / f"{mutant}.py"


def mutants_dir(exercise: str) -> Path:
    return ROOT / "exercises" / exercise / "mutants"


def alternates_dir(exercise: str) -> Path:
    return ROOT / "exercises" / exercise / "alternates"


def copy_bank(folder: Path, *exercises: str, name: str = "course") -> Path:
    """A course bank in `folder`/name holding copies of these built-in exercises (all their files)."""
    root = folder / name
    (root / "reference_solutions").mkdir(parents=True)
    (root / "torchgrader.toml").write_text(f'[bank]\nname = "{name}"\n')
    for exercise in exercises:
        shutil.copytree(ROOT / "exercises" / exercise, root / "exercises" / exercise,
                        ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copy(ROOT / "exercises" / f"{exercise}.py", root / "exercises")
        shutil.copy(ROOT / "reference_solutions" / f"{exercise}.py", root / "reference_solutions")
    return root


def checks_of(exercise: str) -> Any:
    """A built-in exercise's checks module (the very module the bank loads)."""
    from grader.bank.folder import checks_module

    return checks_module(ROOT / "exercises" / exercise / "checks.py")


def pack_facts(checks: list[Any]) -> list[tuple[Any, ...]]:
    """What must be the same graded from a pack as graded live: statuses, scores, messages, margins (not
    durations). A message that reports CPU milliseconds measured now has its numbers masked, and so has an
    object's address. Known mistakes are left out: a pack holds each mutant's observations, while the live
    bank runs mutants within a CPU budget (grader.mistakes), so the two may name different mistakes."""
    import re

    out = []
    for check in checks:
        facts = check.feedback.model_dump() if check.feedback else None
        if facts is not None:
            facts.pop("mistakes", None)
        said = re.sub(r"0x[0-9a-f]+", "0x…", json.dumps(facts, default=str))  # a repr's address differs per run
        if check.feedback is not None and check.feedback.summary[0].endswith((".slow", ".unmeasured")):
            said = re.sub(r"\d+", "N", said)
        out.append((check.id, check.status, check.score, check.max_score, said,
                    None if check.margin is None else round(check.margin, 9)))
    return out


@dataclass
class GraderRun:
    code: int
    stdout: str
    stderr: str

    @property
    def json(self) -> Any:
        return json.loads(self.stdout)


def grader(*args: str | Path, cwd: Path | None = None, timeout: float = 300) -> GraderRun:
    """Run the real `grader` command (as `python -m grader`) and capture everything."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "120"}
    done = subprocess.run(
        [sys.executable, "-m", "grader", *map(str, args)], cwd=cwd or ROOT, env=env,
        capture_output=True, text=True, timeout=timeout,
    )
    return GraderRun(done.returncode, done.stdout, done.stderr)


def build_wheel(folder: Path) -> Path:
    """A wheel built from a clean copy of the checkout (no build/ left by another build)."""
    source = folder / "src"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "*.egg-info", "__pycache__", ".mypy_cache", ".pytest_cache", ".hypothesis",
        "tests", "benchmarks", "docs"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(folder), str(source)], check=True, capture_output=True)
    (wheel,) = folder.glob("torchgrader-*.whl")
    return wheel


def processes_with(mark: str) -> list[int]:
    """Running processes whose command line contains `mark` (what a hostile file leaves behind)."""
    found = []
    for name in os.listdir("/proc"):
        try:
            if name.isdigit() and mark.encode() in Path(f"/proc/{name}/cmdline").read_bytes():
                found.append(int(name))
        except OSError:
            continue
    return found


@pytest.fixture
def run_grader():
    return grader


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A student's folder with exercises/ holding the stubs."""
    (tmp_path / "exercises").mkdir()
    for name in EXERCISES:
        stub = ROOT / "exercises" / f"{name}.py"
        if stub.exists():
            (tmp_path / "exercises" / stub.name).write_text(stub.read_text())
    return tmp_path
