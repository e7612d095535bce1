"""A class is graded whatever one submission does: containment per student, and the run's own failures.

Anything that goes wrong while grading, judging, rendering or writing one student's report becomes
that student's `error` row with a message; the batch finishes and writes every other report. A full
disk or an unwritable --out folder is one clear error (exit 2), with nothing half-written.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT

from grader.batch import run
from grader.batch.grading import Settings
from grader.batch.run import Plan, grade_class

SQ_LOSS = (ROOT / "reference_solutions" / "sq_loss.py").read_text()


def _class(folder: Path, **students: str) -> Path:
    folder.mkdir()
    for name, text in students.items():
        (folder / f"{name}.py").write_text(text)
    return folder


def _grader(*args: str, limit_file_size: int | None = None) -> subprocess.CompletedProcess[str]:
    def limit() -> None:
        if limit_file_size is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_file_size, limit_file_size))

    return subprocess.run([sys.executable, "-m", "grader", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, preexec_fn=limit, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT),
                                                              "GRADER_TIMEOUT_SCALE": "0.5",
                                                              # under the file-size limit, CPython would leave
                                                              # truncated .pyc files (it does not check short writes)
                                                              "PYTHONDONTWRITEBYTECODE": "1"})


def test_a_report_that_cannot_be_rendered_is_that_students_error(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _class(tmp_path / "class", alice=SQ_LOSS, bob=SQ_LOSS, carol=SQ_LOSS)
    rendered = run.student_json

    def breaks_for_bob(report: Any, lang: str = "en") -> dict[str, Any]:
        if report.student == "bob" and report.status.value == "graded":
            raise KeyError("cnn_classifier.training_\x1b[31mforged")
        return rendered(report, lang)

    monkeypatch.setattr(run, "student_json", breaks_for_bob)
    out = tmp_path / "out"
    summary = grade_class(Plan(submissions=folder, exercises=("sq_loss",), out=out, workers=2,
                               settings=Settings(cell_timeout=2.0)))
    assert (summary.full_marks, summary.errors, summary.problems) == (2, 1, [])
    bob = json.loads((out / "students" / "bob.json").read_text())
    assert bob["status"] == "error" and bob["score"] == 0
    assert "could not report on this submission (KeyError" in bob["message"]
    for name in ("alice", "carol"):
        assert json.loads((out / "students" / f"{name}.json").read_text())["score"] == 4.0
    assert (out / "students" / "bob.md").is_file() and (out / "report.html").is_file()
    # bob's error is not kept for re-use: the next run grades him again (and he gets his marks).
    monkeypatch.setattr(run, "student_json", rendered)
    again = grade_class(Plan(submissions=folder, exercises=("sq_loss",), out=out, workers=2))
    assert (again.reused, again.full_marks) == (2, 3)


def test_a_failing_export_is_named_and_the_rest_is_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from grader import exports

    folder = _class(tmp_path / "class", alice=SQ_LOSS)

    def broken(*args: Any, **kwargs: Any) -> list[Path]:
        raise ValueError("no such column")

    monkeypatch.setattr(exports, "export", broken)
    out = tmp_path / "out"
    summary = grade_class(Plan(submissions=folder, exercises=("sq_loss",), out=out, exports=("csv",)))
    assert summary.problems == ["--export csv could not be written (ValueError: no such column)"]
    assert (out / "report.html").is_file() and (out / "students" / "alice.json").is_file()


def test_an_unwritable_out_folder_is_one_clear_error(tmp_path: Path) -> None:
    folder = _class(tmp_path / "class", alice=SQ_LOSS)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    done = _grader("grade", str(folder), "--exercises", "sq_loss", "--out", str(blocker / "out"))
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert done.stderr.startswith("grader: could not write the results to ") and str(blocker) in done.stderr


def test_a_full_disk_is_one_clear_error_and_nothing_is_half_written(tmp_path: Path) -> None:
    folder = _class(tmp_path / "class", **{f"s{i}": SQ_LOSS for i in range(4)})
    out = tmp_path / "out"
    done = _grader("grade", str(folder), "--exercises", "sq_loss", "--out", str(out), "--workers", "1",
                   limit_file_size=48 * 1024)  # room for the gradebook, not for every report
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("grader: could not write the results to ") and "gradebook.db" in done.stderr
    assert not list(out.rglob("*.partial")), "a half-written file was left"
    for path in (out / "students").glob("*.json"):
        json.loads(path.read_text())  # every file there is whole
    # With room again, the same command goes on from the gradebook.
    done = _grader("grade", str(folder), "--exercises", "sq_loss", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert len(list((out / "students").glob("*.json"))) == 4
    assert "from the gradebook" in done.stdout
    assert not [line for line in done.stdout.splitlines() if line.endswith(" ")]  # a pipe: no padding
