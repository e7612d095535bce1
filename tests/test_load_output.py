"""What a submission prints while it loads has a place of its own: never a check's output.

A check shows what the student's code printed during that check only; the load's output is the
report's `load_output` (shown to a person once, and only when loading failed); nothing the
grader's or the kernel's machinery prints is ever shown as the student's.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import grader
from test_notebooks import write_notebook

import grader as grading
from grader import report as report_module
from grader.batch.feedback import feedback_html, feedback_markdown
from grader.results import Status

# A first check that fails (one value, not one per element), so that its output is shown.
PRINTING = "def sq_loss(y_true, y_prediction):\n    print('IN-CHECK')\n    return ((y_true - y_prediction) ** 2).mean()"
KERNEL_MACHINERY = ("To connect another client", "--existing", "IPython parent", "Ctrl-C", "IOPub")


def printing_notebook(path: Path) -> Path:
    return write_notebook(path, "print('LOADED-AT-START')\nimport torch", PRINTING, "print('LOADED-AT-END')")


def student(report_json: dict) -> dict:
    """One student's batch report around one exercise's JSON, as the feedback files read it."""
    return {"student": "s1", "status": "graded", "message": "", "score": report_json["score"],
            "max_score": report_json["max_score"], "exercises": [report_json]}


@pytest.mark.parametrize("kernel", [False, True], ids=["fast", "kernel"])
def test_load_output_and_a_checks_output_each_go_where_they_belong(tmp_path: Path, kernel: bool):
    report = grading.check("sq_loss", file=printing_notebook(tmp_path / "printing.ipynb"), kernel=kernel)
    first = report.checks[0]
    assert first.status is Status.FAILED and first.feedback is not None
    assert set(first.feedback.output.splitlines()) == {"IN-CHECK"}  # the check's own, nothing else
    assert report.load_output.splitlines() == ["LOADED-AT-START", "LOADED-AT-END"]
    assert not report.load_failed
    for check in report.checks:
        said = check.feedback.output if check.feedback else ""
        assert "LOADED" not in said and not any(mark in said for mark in KERNEL_MACHINERY)
    data = report_module.to_json(report)
    assert data["load_output"] == "LOADED-AT-START\nLOADED-AT-END" and data["load_failed"] is False
    assert all("LOADED" not in test["output"] for test in data["tests"])
    # Loaded fine: the student saw that output where they ran the notebook; the feedback does not repeat it.
    for page in (feedback_markdown(student(data)), feedback_html(student(data))):
        assert "IN-CHECK" in page and "LOADED" not in page


def test_the_terminal_shows_a_checks_output_not_the_load_output(tmp_path: Path):
    done = grader("check", "sq_loss", "--file", printing_notebook(tmp_path / "printing.ipynb"))
    assert done.code == 1, done.stderr
    assert "IN-CHECK" in done.stdout and "LOADED" not in done.stdout
    assert "printed while loading" not in done.stdout


def test_a_file_that_fails_to_load_shows_what_it_printed_once_not_under_each_check(tmp_path: Path):
    path = tmp_path / "sq_loss.py"
    path.write_text("print('BEFORE-THE-CRASH')\nraise RuntimeError('setup went wrong')\n")
    report = grading.check("sq_loss", file=path)
    assert report.load_failed and report.load_output == "BEFORE-THE-CRASH"
    assert all(c.feedback is None or c.feedback.output == "" for c in report.checks)
    done = grader("check", "sq_loss", "--file", path)
    assert done.stdout.count("BEFORE-THE-CRASH") == 1 and "printed while loading" in done.stdout
    data = report_module.to_json(report)
    for page in (feedback_markdown(student(data)), feedback_html(student(data))):
        assert page.count("BEFORE-THE-CRASH") == 1
