"""Notebooks as submissions: cells run in order in an IPython shell, each with its own time limit."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from conftest import ROOT
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

import grader
from grader import bank, notebook_session
from grader import report as report_module
from grader.results import Status

SQ_LOSS = (ROOT / "reference_solutions" / "sq_loss.py").read_text()
FULL = int(bank.get("sq_loss").max_score)  # sq_loss's points


def write_notebook(path: Path, *cells: str) -> Path:
    notebook = new_notebook(cells=[new_markdown_cell("# Exercises")] + [new_code_cell(c) for c in cells])
    nbformat.write(notebook, str(path))
    return path


def summary(report, index=0):
    return report.checks[index].feedback.summary


def test_messy_cells_are_recorded_and_the_later_definitions_still_graded(tmp_path):
    path = write_notebook(
        tmp_path / "messy.ipynb",
        "!pip install torch --quiet\n%matplotlib inline\nimport torch\nimport matplotlib.pyplot as plt",
        "from google.colab import drive\ndrive.mount('/content/drive')",
        "%%capture\nprint('captured')",
        "while True:\n    pass",
        "plt.plot([1, 2, 3]); plt.show()\n%time y = 1",
        "1 / 0",
        SQ_LOSS,
        "import grader\ngrader.check('sq_loss')",
    )
    report = grader.check("sq_loss", file=path, cell_timeout=1.0)
    assert report.score == report.max_score
    failed = {cell.cell: cell for cell in report.cells}
    assert sorted(failed) == [2, 4, 6]
    assert failed[2].exception == "ModuleNotFoundError"
    assert failed[4].status == "timeout"
    assert failed[6].exception == "ZeroDivisionError" and failed[6].code == "1 / 0"


def test_a_notebook_without_the_exercise_names_what_is_missing(tmp_path):
    path = write_notebook(tmp_path / "other.ipynb", "import torch", "x = torch.ones(3)")
    report = grader.check("sq_loss", file=path)
    assert report.score == 0
    assert summary(report) == ("missing_name_notebook", {"name": "sq_loss"})


def test_an_error_inside_a_function_names_its_cell_and_line(tmp_path):
    path = write_notebook(
        tmp_path / "raises.ipynb", "import torch",
        "def sq_loss(y_true, y_prediction):\n    scale = 2\n    return y_true.nonexistent(y_prediction)",
    )
    report = grader.check("sq_loss", file=path)
    message_id, facts = summary(report)
    assert message_id == "raised_in_cell"
    assert (facts["cell"], facts["line"], facts["exception"]) == (2, 3, "AttributeError")


def test_printed_output_and_warnings_never_change_the_score(tmp_path):
    path = write_notebook(
        tmp_path / "noisy.ipynb",
        "import sys, warnings\nprint('x' * 100000)\nprint('oops', file=sys.stderr)\nwarnings.warn('careful')",
        SQ_LOSS.replace("return", "print('computing', file=__import__('sys').stderr)\n    return", 1),
    )
    report = grader.check("sq_loss", file=path)
    assert report.score == report.max_score and not report.cells


def test_a_stub_notebook_is_not_implemented_yet(tmp_path):
    path = write_notebook(tmp_path / "stub.ipynb", (ROOT / "exercises" / "sq_loss.py").read_text())
    report = grader.check("sq_loss", file=path)
    assert report.score == 0
    assert all(c.status in (Status.ERROR, Status.SKIPPED) for c in report.checks)
    assert summary(report)[0] == "not_implemented"


def test_a_python_file_still_runs_as_a_module(tmp_path):
    path = tmp_path / "mine.py"
    path.write_text("!pip install torch\n")  # shell lines are notebook syntax only
    report = grader.check("sq_loss", file=path)
    assert summary(report)[0] == "load_raised_at" or summary(report)[0] == "syntax"


class _FakeHistory:
    def __init__(self, cells):
        self.input_hist_raw = ["", *cells]


class _FakeKernelShell:
    kernel = object()

    def __init__(self, cells):
        self.history_manager = _FakeHistory(cells)


def test_check_inside_a_notebook_grades_the_cells_run_so_far(monkeypatch):
    shell = _FakeKernelShell(["import torch", "def sq_loss(a, b):\n    return (a - b).abs()", SQ_LOSS,
                              "grader.check('sq_loss')"])
    monkeypatch.setattr(notebook_session, "_shell", lambda: shell)
    report = grader.check("sq_loss")
    assert report.file == "this notebook"
    assert report.score == report.max_score  # the later definition wins, as in the kernel
    html = report._repr_html_()
    assert "<table" in html and f"{FULL} / {FULL}" in html

    shell.history_manager = _FakeHistory(["def sq_loss(a, b):\n    return (a - b).abs()"])
    report = grader.check("sq_loss", lang="ja")
    assert report.score < report.max_score
    assert "合計" in report._repr_html_()


def test_html_report_escapes_what_the_student_controls(tmp_path):
    path = write_notebook(tmp_path / "x.ipynb", "def sq_loss(a, b):\n    raise ValueError('<script>x</script>')")
    html = grader.check("sq_loss", file=path)._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html


@pytest.mark.slow
@pytest.mark.parametrize("kernel", [False, True], ids=["fast", "kernel"])
def test_check_in_a_real_jupyter_kernel_shows_an_html_table(tmp_path, kernel):
    from nbclient import NotebookClient

    notebook = new_notebook(cells=[new_code_cell(SQ_LOSS),
                                   new_code_cell(f"import grader\ngrader.check('sq_loss', kernel={kernel})")])
    client = NotebookClient(notebook, timeout=240, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    outputs = notebook.cells[1].outputs
    html = [o["data"]["text/html"] for o in outputs if o.get("output_type") == "execute_result"]
    assert html and f"{FULL} / {FULL}" in html[0], outputs


STATE = """
import random, sys, numpy as np, torch
def state():
    return (torch.random.get_rng_state().clone(), np.random.get_state()[1].copy(), random.getstate(),
            torch.get_num_threads(), torch.get_num_interop_threads())
torch.manual_seed(123); np.random.seed(7); random.seed(5); torch.set_num_threads(2)
before, modules = state(), set(sys.modules)
"""
AFTER = """
after = state()
same = (torch.equal(before[0], after[0]) and (before[1] == after[1]).all() and before[2:] == after[2:])
loaded = sorted(m for m in set(sys.modules) - modules if "reference" in m or m.startswith("grader.bank."))
print("STATE", same, report.score, loaded)
"""


@pytest.mark.slow
def test_check_in_a_notebook_leaves_the_kernel_as_it_was(tmp_path):
    """No reference module in the student's kernel, and its RNG states and thread settings untouched."""
    from nbclient import NotebookClient

    notebook = new_notebook(cells=[new_code_cell(SQ_LOSS), new_code_cell(STATE),
                                   new_code_cell("import grader\nreport = grader.check('sq_loss')"),
                                   new_code_cell(AFTER)])
    client = NotebookClient(notebook, timeout=240, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    printed = "".join(o.get("text", "") for o in notebook.cells[3].outputs)
    assert f"STATE True {FULL:.1f} []" in printed, notebook.cells[3].outputs


def test_a_cell_that_raises_still_defines_what_comes_after_it(tmp_path):
    """Course notebooks call tracking code (e.g. Neuromatch's `atform.add_event`) above the exercise."""
    stub = (ROOT / "exercises" / "sq_loss.py").read_text()
    path = write_notebook(tmp_path / "tracked.ipynb", "import torch",
                          "atform.add_event('Coding Exercise 2.1')\n\n" + stub + "\nprint(undefined_too)")
    report = grader.check("sq_loss", file=path)
    assert summary(report)[0] == "not_implemented"
    assert [(c.cell, c.exception) for c in report.cells] == [(2, "NameError")]

    solved = write_notebook(tmp_path / "solved.ipynb", "import torch",
                            "atform.add_event('Coding Exercise 2.1')\n\n" + SQ_LOSS + "\nsq_loss(1, 2).backward()")
    assert grader.check("sq_loss", file=solved).score == FULL


def test_an_undefined_name_gets_the_hint_about_imports_not_the_checks_hint(tmp_path):
    path = write_notebook(tmp_path / "star.ipynb", "from fastai.vision.all import *",
                          "def sq_loss(y_true, y_prediction):\n    return torch.square(y_true - y_prediction)")
    report = grader.check("sq_loss", file=path)
    assert summary(report)[1]["exception"] == "NameError"
    assert report.checks[0].feedback.hint == "hint.undefined_name"
    assert [(c.cell, c.exception) for c in report.cells] == [(1, "ModuleNotFoundError")]


@pytest.mark.parametrize("killer, how", [
    ("import os\nos._exit(3)", "exit code 3"),
    ("import ctypes\nctypes.string_at(0)", "signal SIGSEGV"),
])
def test_a_cell_that_ends_the_process_is_skipped_and_the_rest_still_graded(tmp_path, killer, how):
    path = write_notebook(tmp_path / "dies.ipynb", "import torch", killer, SQ_LOSS)
    report = grader.check("sq_loss", file=path)
    assert report.score == report.max_score
    assert [(c.cell, c.status, c.message) for c in report.cells] == [(2, "died", how)]


def test_a_cell_that_will_not_stop_is_skipped_and_the_rest_still_graded(tmp_path):
    stubborn = "import time\nwhile True:\n    try:\n        time.sleep(10)\n    except BaseException:\n        pass"
    path = write_notebook(tmp_path / "stubborn.ipynb", "import torch", stubborn, SQ_LOSS)
    report = grader.check("sq_loss", file=path, cell_timeout=1.0)
    assert report.score == report.max_score
    assert [(c.cell, c.status) for c in report.cells] == [(2, "timeout")]


def test_messages_forged_while_the_notebook_loads_are_ignored(tmp_path):
    forge = (ROOT / "tests" / "hostile" / "forge_messages_at_import.py").read_text().replace(
        "def sq_loss", "def _unused")
    path = write_notebook(tmp_path / "forged.ipynb", forge, SQ_LOSS)
    report = grader.check("sq_loss", file=path)
    assert report.score == report.max_score and report.cells == []


def test_a_fork_bomb_cell_is_stopped_with_its_processes(tmp_path):
    bomb = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass"
    path = write_notebook(tmp_path / "bomb.ipynb", bomb, "import torch", SQ_LOSS)
    report = grader.check("sq_loss", file=path, cell_timeout=1.0)
    assert report.score == report.max_score
    assert [(c.cell, c.status) for c in report.cells] == [(1, "timeout")]


def test_a_cell_that_fails_in_another_cells_function_is_the_one_listed(tmp_path):
    path = write_notebook(tmp_path / "calls.ipynb", "def helper():\n    return 1 / 0",
                          "x = 1\ny = helper()", SQ_LOSS)
    report = grader.check("sq_loss", file=path)
    assert report.score == report.max_score
    assert [(c.cell, c.exception, c.line, c.code) for c in report.cells] == [(2, "ZeroDivisionError", 2, "y = helper()")]


def test_cells_failing_alike_are_folded_and_a_cut_list_says_so(tmp_path):
    cells = ["import fastai_not_here"] + [f"x{n} = tensor([{n}])" for n in range(54)] + [SQ_LOSS]
    report = grader.check("sq_loss", file=write_notebook(tmp_path / "cascade.ipynb", *cells))
    assert report.score == report.max_score
    assert len(report.cells) == 50 and report.cells_omitted == 5
    lines = report_module.cell_lines(report.cells, "en", report.cells_omitted)
    assert lines == ["code cell 1 raised ModuleNotFoundError: No module named 'fastai_not_here' (line 1: import fastai_not_here)",
                     "code cells 2 to 50 (49 cells) all raised NameError: name 'tensor' is not defined",
                     "5 more cells failed (not listed)"]
    assert report_module.to_json(report)["cells_omitted"] == 5


def test_two_cells_failing_alike_are_not_folded():
    from grader.results import CellFailure

    cells = [CellFailure(cell=n, status="error", exception="NameError", message=f"name 'x{n}' is not defined")
             for n in (3, 4)] + [CellFailure(cell=7, status="timeout")]
    assert report_module.cell_lines(cells, "en") == [
        "code cell 3 raised NameError: name 'x3' is not defined", "code cell 4 raised NameError: name 'x4' is not defined",
        "code cell 7 ran out of time and was stopped"]
    assert report_module.cell_lines(cells, "ja")[-1].startswith("コードセル 7")
