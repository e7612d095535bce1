"""What a student reads around the grades: each thing said once, the hint that fits the failure, the output
near the failure, a file named like a library, the time the grading took."""

from __future__ import annotations

import html
import io
import re
import time
from pathlib import Path
from typing import Any

import pytest
import torch
from conftest import ROOT, checks_of
from rich.console import Console

from grader import api
from grader.batch.feedback import feedback_html, feedback_markdown
from grader.batch.model import StudentReport, StudentStatus, student_json
from grader.engine import OUTPUT_SHOWN, judge, shadowing_files, trimmed_output
from grader.i18n import text
from grader.report import cell_lines, render, to_json, wrap
from grader.results import CellFailure, CheckResult, ExerciseReport, Feedback, Status
from grader.sandbox.protocol import observe
from grader.sandbox.runner import Outcome, Sandbox
from grader.spec import Check

train_loop = checks_of("train_loop")

CORRECT = (ROOT / "reference_solutions" / "sq_loss.py").read_text()


def _probe(run: Any) -> dict[str, Any]:
    return {}


def _exercise(name: str, cells: list[CellFailure]) -> ExerciseReport:
    failed = CheckResult(id="values", title="values", status=Status.ERROR, score=0, max_score=1,
                         feedback=Feedback(summary=("not_implemented", {})))
    return ExerciseReport(exercise=name, title=name, file="hw.ipynb", device="cpu", checks=[failed], cells=cells)


def _sheet(render_sheet: Any, *exercises: ExerciseReport) -> str:
    data = student_json(StudentReport(student="amy", status=StudentStatus.GRADED, exercises=list(exercises)))
    return html.unescape(render_sheet(data, "en")).replace("\\", "")


# ---------------------------------------------------------------- failed cells: once, and only alike ones grouped

BOOM = CellFailure(cell=6, status="error", exception="RuntimeError", message="boom", line=1, code="x = f()")


@pytest.mark.parametrize("render_sheet", [feedback_markdown, feedback_html], ids=["markdown", "html"])
def test_a_failed_cell_is_said_once_per_notebook(render_sheet: Any):
    sheet = _sheet(render_sheet, _exercise("sq_loss", [BOOM]), _exercise("simple_graph", [BOOM]))
    assert sheet.count("code cell 6 raised RuntimeError") == 1, sheet
    assert sheet.count("(line 1: x = f())") == 1 and sheet.count(text("feedback.cells")) == 1


def test_the_json_keeps_a_cells_facts_beside_its_sentence():
    cell = to_json(_exercise("sq_loss", [BOOM]))["cells"][0]
    assert cell["message"] == "boom" and cell["exception"] == "RuntimeError"
    assert cell["text"] == "code cell 6 raised RuntimeError: boom (line 1: x = f())"


def test_cells_are_grouped_only_when_they_failed_with_the_same_error():
    torch_missing = [CellFailure(cell=n, status="error", exception="NameError", message="name 'torch' is not defined")
                     for n in range(23, 27)]
    np_missing = [CellFailure(cell=n, status="error", exception="NameError", message="name 'np' is not defined")
                  for n in (27, 28)]
    lines = cell_lines(torch_missing + np_missing, "en")
    assert lines[0] == "code cells 23 to 26 (4 cells) all raised NameError: name 'torch' is not defined"
    assert lines[1:] == ["code cell 27 raised NameError: name 'np' is not defined",
                         "code cell 28 raised NameError: name 'np' is not defined"]


IDENTIFIERS = ("some_long_identifier_name", "RuntimeError", "predictions", "torch", "sq_loss")


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_wrapping_never_breaks_an_identifier(lang: str):
    message = ("名前'some_long_identifier_name'は定義されていません。"
               "sq_loss(predictions,torch.ones(3))を確認")
    report = _exercise("sq_loss", [])
    report.checks[0].feedback = Feedback(summary=("raised", {"exception": "RuntimeError", "message": message}))
    for width in range(44, 101):
        console = Console(file=io.StringIO(), width=width)
        render(report, console, lang)
        shown = console.file.getvalue()
        for name in IDENTIFIERS:
            assert any(name in line for line in shown.splitlines()), (width, name, shown)
    assert wrap("abcdefgh", 3) == ["abc", "def", "gh"]  # only a name longer than a whole line is folded


# ---------------------------------------------------------------- hints that fit the failure

RAISED = Outcome(Status.ERROR, error={"kind": "raised", "exception": "RuntimeError", "message": "bad", "line": 3,
                                      "code": "y = x.view(-1, 400)"})


def test_code_that_raises_is_not_given_a_hint_about_another_mistake():
    check = Check(id="inputs_unchanged", title="leaves its inputs unchanged", points=1, probe=_probe,
                  hint="hint.inplace")
    result = judge(check, {}, {}, RAISED, memory_mb=100)
    assert result.status is Status.ERROR and result.feedback.hint is None


def test_a_result_held_in_another_dtype_is_not_given_the_checks_hint_about_values():
    check = Check(id="values", title="values", points=1, probe=_probe, hint="hint.sq_loss.square")
    native = {"sq_loss(a, b)": observe(torch.ones(3))}
    wrong_dtype = {"sq_loss(a, b)": observe(torch.ones(3, dtype=torch.float16))}
    wrong_values = {"sq_loss(a, b)": observe(torch.tensor([1.0, 5.0, 1.0]))}
    result = judge(check, native, native, Outcome(Status.PASSED, observations=wrong_dtype), memory_mb=100)
    assert result.feedback.summary[0] == "wrong_dtype" and result.feedback.hint is None
    result = judge(check, native, native, Outcome(Status.PASSED, observations=wrong_values), memory_mb=100)
    assert result.feedback.hint == "hint.sq_loss.square"


def test_a_hint_that_explains_the_raise_is_still_shown():
    check = Check(id="shapes", title="shapes", points=1, probe=_probe, hint="hint.cnn_classifier.shapes",
                  hint_on_raise=True)
    assert judge(check, {}, {}, RAISED, memory_mb=100).feedback.hint == "hint.cnn_classifier.shapes"


def test_a_loss_that_is_exactly_half_is_told_so_not_to_pass_predictions_first():
    check = train_loop.EXERCISE.check("losses")
    expected = [0.9, 0.71, 0.52, 0.4]
    native = {train_loop.LOSSES: observe(expected)}
    got = {train_loop.LOSSES: observe([value / 2 for value in expected])}
    result = judge(check, native, native, Outcome(Status.PASSED, observations=got), memory_mb=100)
    assert result.status is Status.FAILED
    assert result.feedback.where == ("factor_half", {}) and result.feedback.hint == "hint.factor"
    shown = to_json(ExerciseReport(exercise="train_loop", title="t", file="f.py", device="cpu",
                                   checks=[result]))["tests"][0]
    assert "every value is half the expected one" in shown["message"]
    assert "predictions first" not in shown["hint"] and "sum" in shown["hint"]


def test_a_sum_instead_of_a_mean_is_named():
    check = Check(id="loss", title="loss", points=1, probe=_probe, hint="hint.sq_loss.square")
    native = {"loss(p, t)": observe(torch.tensor(0.25))}
    got = {"loss(p, t)": observe(torch.tensor(0.25 * 64))}
    result = judge(check, native, native, Outcome(Status.PASSED, observations=got), memory_mb=100)
    assert result.feedback.where == ("factor_sum", {"factor": 64}) and result.feedback.hint == "hint.factor"
    words = text(result.feedback.where[0], **result.feedback.where[1])
    assert words == "every value is 64× the expected one (a sum instead of a mean?)"


# ---------------------------------------------------------------- skipped checks, printed output

def test_a_skipped_check_names_the_title_of_the_check_it_needs(workspace: Path):
    report = api.check("sq_loss", file=workspace / "exercises" / "sq_loss.py")
    skipped = next(c for c in report.checks if c.status is Status.SKIPPED)
    assert to_json(report)["tests"][report.checks.index(skipped)]["message"] == \
        "not run: 'keeps one value per element' did not pass"


def test_printed_output_keeps_whole_last_lines_and_counts_the_others():
    output = "".join(f"line {n:03d} {'x' * 20}\n" for n in range(200))
    kept, omitted = trimmed_output(output)
    assert kept.endswith("line 199 " + "x" * 20) and kept.startswith("line ")
    assert len(kept) <= OUTPUT_SHOWN and omitted + kept.count("\n") + 1 == 200
    assert trimmed_output("y" * 5000) == ("y" * OUTPUT_SHOWN, 0)


def test_the_terminal_shows_the_last_printed_lines_and_says_how_many_it_leaves_out():
    report = _exercise("sq_loss", [])
    report.checks[0].feedback = Feedback(summary=("raised", {"exception": "ValueError", "message": "bad"}),
                                         output="".join(f"step {n}\n" for n in range(10, 40)), output_omitted=12)
    console = Console(file=io.StringIO(), width=100)
    render(report, console, "en")
    shown = console.file.getvalue()
    assert "step 39" in shown and "step 35" in shown and "step 34" not in shown
    assert "[… 37 earlier lines not shown]" in shown


# ---------------------------------------------------------------- a file named like a library

def test_a_file_beside_the_submission_named_like_a_library_gets_a_hint(tmp_path: Path):
    (tmp_path / "matplotlib.py").write_text("x = 1\n")
    submission = tmp_path / "sq_loss.py"
    submission.write_text("import matplotlib.pyplot as plt\n" + CORRECT)
    assert shadowing_files(submission) == ("matplotlib.py",)
    report = to_json(api.check("sq_loss", file=submission))
    assert report["score"] == 0 and "matplotlib" in report["tests"][0]["message"]
    assert "matplotlib.py has the name of a library" in report["tests"][0]["hint"]


def test_a_submission_named_like_a_library_gets_a_hint(tmp_path: Path):
    submission = tmp_path / "torch.py"
    submission.write_text(CORRECT)
    report = to_json(api.check("sq_loss", file=submission))
    assert "torch.py has the name of a library" in report["tests"][0]["hint"]
    assert shadowing_files(tmp_path / "sq_loss.py") == ("torch.py",)


def test_no_hint_about_libraries_without_such_a_file(tmp_path: Path):
    (tmp_path / "numpy_notes.py").write_text("")
    assert shadowing_files(tmp_path / "sq_loss.py") == ()


# ---------------------------------------------------------------- the footer's time

def test_the_reports_time_includes_loading_the_submission(monkeypatch: pytest.MonkeyPatch):
    entered = Sandbox.__enter__

    def slow_start(self: Sandbox) -> Sandbox:  # a sandbox that loads the notebook before the first check
        time.sleep(1.0)
        return entered(self)

    monkeypatch.setattr(Sandbox, "__enter__", slow_start)
    started = time.monotonic()
    report = api.check("sq_loss", file=ROOT / "reference_solutions" / "sq_loss.py")
    assert 1.0 <= report.duration <= time.monotonic() - started
    console = Console(file=io.StringIO(), width=100)
    render(report, console)
    assert re.search(r"· cpu · \d+\.\d s", console.file.getvalue())
