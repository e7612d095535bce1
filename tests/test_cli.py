"""The command line as students and CI use it: a real `grader` process, exit codes, JSON."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest
import torch

from conftest import ROOT

CORRECT = (ROOT / "reference_solutions" / "sq_loss.py").read_text()
WRONG = CORRECT.replace("** 2", ".abs()")
CONTRACT_TEST_FIELDS = {"name", "score", "max_score", "status", "message", "hint"}


def write(workspace: Path, source: str, name: str = "sq_loss") -> Path:
    path = workspace / "exercises" / f"{name}.py"
    path.write_text(source)
    return path


def test_list_shows_every_exercise_with_points(run_grader):
    result = run_grader("list")
    assert result.code == 0
    assert "sq_loss" in result.stdout and "points" in result.stdout


def test_check_grades_the_workspace_stub_as_not_implemented(run_grader, workspace):
    result = run_grader("check", "sq_loss", "--json", cwd=workspace)
    assert result.code == 1
    report = result.json
    assert report["score"] == 0 and report["max_score"] > 0
    assert any("not implemented yet" in t["message"] for t in report["tests"])


def test_correct_file_gets_full_marks_and_exit_0(run_grader, workspace):
    write(workspace, CORRECT)
    result = run_grader("check", "sq_loss", "--json", cwd=workspace)
    assert result.code == 0, result.stderr
    report = result.json
    assert report["score"] == report["max_score"]
    assert {t["status"] for t in report["tests"]} == {"passed"}


def test_json_report_has_the_contract_fields_and_nothing_else_on_stdout(run_grader, workspace):
    write(workspace, WRONG)
    result = run_grader("check", "sq_loss", "--json", cwd=workspace)
    assert result.code == 1
    report = json.loads(result.stdout)  # the whole of stdout is the report
    assert {"exercise", "score", "max_score", "tests"} <= set(report)
    assert report["exercise"] == "sq_loss"
    assert report["score"] == sum(t["score"] for t in report["tests"])
    for test in report["tests"]:
        assert CONTRACT_TEST_FIELDS <= set(test)
        assert test["status"] in {"passed", "failed", "error", "timeout", "memory", "skipped"}


def test_failure_message_says_expected_got_and_where_without_check_source(run_grader, workspace):
    write(workspace, WRONG)
    report = run_grader("check", "sq_loss", "--json", cwd=workspace).json
    values = next(t for t in report["tests"] if t["id"] == "values")
    assert values["status"] == "failed"
    assert "elements differ" in values["message"]
    assert "expected:" in values["message"] and "got:" in values["message"] and "index" in values["message"]
    assert "def _results" not in values["message"] and "run.make" not in values["message"]
    assert values["hint"]


def test_rich_output_shows_score_and_feedback(run_grader, workspace):
    write(workspace, WRONG)
    result = run_grader("check", "sq_loss", cwd=workspace)
    assert result.code == 1
    assert "elementwise values" in result.stdout and "total" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_japanese_feedback(run_grader, workspace):
    report = run_grader("check", "sq_loss", "--json", "--lang", "ja", cwd=workspace).json
    assert any("まだ実装されていません" in t["message"] for t in report["tests"])


def test_student_exception_shows_only_the_students_line(run_grader, workspace):
    write(workspace, "import torch\n\ndef sq_loss(y_true, y_prediction):\n    return y_true.nonexistent()\n")
    report = run_grader("check", "sq_loss", "--json", cwd=workspace).json
    first = report["tests"][0]
    assert first["status"] == "error"
    assert "AttributeError" in first["message"] and "line 4" in first["message"]
    assert "grader/" not in first["message"]


def test_missing_function_is_named(run_grader, workspace):
    write(workspace, "def squared_loss(a, b):\n    return (a - b) ** 2\n")
    report = run_grader("check", "sq_loss", "--json", cwd=workspace).json
    assert "does not define `sq_loss`" in report["tests"][0]["message"]


def test_student_prints_never_reach_stdout(run_grader, workspace):
    write(workspace, 'print("{\\"score\\": 99}")\n' + CORRECT.replace('    """Elementwise', '    print("hi")\n    """Elementwise'))
    result = run_grader("check", "sq_loss", "--json", cwd=workspace)
    assert result.code == 0
    assert result.json["score"] == result.json["max_score"]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("check", "sq_los"), "Did you mean 'sq_loss'?"),
        (("check", "sq_loss", "--file", "nowhere.py"), "nowhere.py"),
        (("check", "sq_loss", "--device", "tpu"), "--device tpu"),
        (("check", "sq_loss", "--no-such-option"), "No such option"),
    ],
    ids=["unknown-exercise", "missing-file", "bad-device", "bad-option"],
)
def test_grading_that_cannot_start_exits_2_with_one_clear_line(run_grader, workspace, args, needle):
    result = run_grader(*args, cwd=workspace)
    assert result.code == 2
    assert needle in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA; the GPU tests cover --device cuda")
def test_cuda_without_a_gpu_says_so_and_exits_2(run_grader, workspace):
    result = run_grader("check", "sq_loss", "--device", "cuda", cwd=workspace)
    assert result.code == 2
    assert "no CUDA device" in result.stderr


def test_notebook_submission_is_graded(run_grader, tmp_path):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# Squared error"),
        nbformat.v4.new_code_cell("%matplotlib inline\nimport torch"),
        nbformat.v4.new_code_cell(CORRECT),
    ]
    path = tmp_path / "work.ipynb"
    nbformat.write(notebook, str(path))
    result = run_grader("check", "sq_loss", "--file", path, "--json")
    assert result.code == 0, result.stdout + result.stderr


def test_unreadable_notebook_exits_2_naming_the_file(run_grader, tmp_path):
    path = tmp_path / "broken.ipynb"
    path.write_text("{ not json")
    result = run_grader("check", "sq_loss", "--file", path)
    assert result.code == 2
    assert "broken.ipynb" in result.stderr and "notebook" in result.stderr


def test_init_copies_the_stubs(run_grader, tmp_path):
    result = run_grader("init", tmp_path)
    assert result.code == 0
    assert (tmp_path / "exercises" / "sq_loss.py").read_text() == (ROOT / "exercises" / "sq_loss.py").read_text()


COMMANDS = ["list", "check", "validate", "grade", "export", "gradescope-bundle", "init"]


def test_version(run_grader):
    from grader import __version__

    done = run_grader("--version")
    assert done.code == 0 and done.stdout.strip() == f"torchgrader {__version__}"


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help_shows_no_type_markers(run_grader, command):
    done = run_grader(*([command] if command else []), "--help")
    assert done.code == 0, done.stderr
    assert not re.search(r"<(bool|str|path|int|float|[a-z]+)>", done.stdout), done.stdout


def test_every_option_of_every_command_has_help():
    import typer.main

    from grader.cli import app

    group = typer.main.get_command(app)
    context = group.make_context("grader", ["list"])
    for name in COMMANDS:
        command = group.get_command(context, name)
        for param in command.get_params(context):
            assert param.help, f"grader {name} {param.opts}: no help text"
    for param in group.get_params(context):
        assert param.help, param.opts


@pytest.mark.parametrize("args", [
    ("check", "sq_loss"),
    ("grade", ".", "--exercises", "sq_loss", "--out", "out"),
    ("export", "out", "--format", "csv"),
], ids=["check", "grade", "export"])
def test_an_unknown_language_exits_2_naming_the_languages(run_grader, workspace, args):
    done = run_grader(*args, "--lang", "fr", cwd=workspace)
    assert done.code == 2 and done.stdout == "" and "Traceback" not in done.stderr
    assert "--lang fr" in done.stderr and "en, ja" in done.stderr


def test_output_to_a_pipe_is_not_padded(run_grader, workspace):
    write(workspace, WRONG)
    done = run_grader("check", "sq_loss", cwd=workspace)
    lines = done.stdout.splitlines()
    assert done.code == 1 and "total" in done.stdout
    assert all(line == line.rstrip() for line in lines), [line for line in lines if line != line.rstrip()]
    assert all(len(line) <= 120 for line in lines)  # COLUMNS, as the conftest sets it

