"""Grading the same submission twice gives byte-identical reports, apart from timings.

A regrade that changes a student's feedback for no reason undermines trust in every grade: the
seeds, the order of checks and of failed cells, the wording, and the files written must all be
fixed by the submission alone.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, grader

from grader.batch.grading import Settings
from grader.batch.run import Plan, grade_class

EXERCISES = ROOT / "exercises"
TIMINGS = {"duration", "execution_time", "time"}


def _without_timings(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_timings(v) for k, v in value.items() if k not in TIMINGS}
    if isinstance(value, list):
        return [_without_timings(v) for v in value]
    return value


@pytest.mark.parametrize("exercise, file", [
    ("sq_loss", EXERCISES / "sq_loss" / "mutants" / "abs_instead_of_square.py"),
    ("my_linear", EXERCISES / "my_linear" / "mutants" / "no_transpose.py"),
    ("train_loop", EXERCISES / "train_loop" / "mutants" / "no_zero_grad.py"),
], ids=lambda v: v if isinstance(v, str) else v.stem)
def test_a_file_graded_twice_gets_the_same_report(exercise: str, file: Path) -> None:
    first, second = (grader("check", exercise, "--file", file, "--json") for _ in range(2))
    assert first.code == second.code == 1
    assert _without_timings(first.json) == _without_timings(second.json)
    assert first.json["score"] < first.json["max_score"]  # a report with feedback in it, not just "passed"


def test_a_class_graded_twice_writes_the_same_files(tmp_path: Path) -> None:
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "ada.py").write_text((ROOT / "reference_solutions" / "sq_loss.py").read_text())
    (folder / "bob.py").write_text((EXERCISES / "sq_loss" / "mutants" / "sum_reduction.py").read_text())
    (folder / "cy.py").write_text("def sq_loss(a, b):\n    print('\\x1b[2Jhello')\n    raise ValueError(f'no {a.shape}')\n")
    outs = []
    for name in ("one", "two"):
        out = tmp_path / name
        grade_class(Plan(submissions=folder, exercises=("sq_loss",), out=out, workers=2, exports=("gradescope", "csv"),
                         settings=Settings(cell_timeout=2.0)))
        outs.append(out)
    for path in sorted(outs[0].rglob("*")):
        twin = outs[1] / path.relative_to(outs[0])
        if path.is_dir() or path.suffix == ".db" or path.name.startswith("gradebook"):
            continue
        text, again = path.read_text(), twin.read_text()
        if path.suffix == ".json":
            assert _without_timings(json.loads(text)) == _without_timings(json.loads(again)), path.name
        else:
            strip = re.compile(r"\d+(\.\d+)? s\b|time=\"[^\"]*\"")  # shown timings
            assert strip.sub("", text) == strip.sub("", again), path.name
