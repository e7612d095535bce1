"""Full fidelity: notebooks run in a real Jupyter kernel (inside the sandbox) through nbclient."""

from __future__ import annotations

import json

import pytest
from classroom import ASSIGNMENT, BROKEN, SPECIAL, make_class, misses
from conftest import ROOT, grader
from test_notebooks import SQ_LOSS, summary, write_notebook

import grader as grading
from grader import bank
from grader.results import Status

STUB = (ROOT / "exercises" / "sq_loss.py").read_text()
MUTANT = (ROOT / "exercises" / "sq_loss" / "mutants" / "abs_instead_of_square.py").read_text()
IN_A_KERNEL = "IN_A_KERNEL = getattr(get_ipython(), 'kernel', None) is not None  # only Jupyter kernels have one"
ONLY_IN_A_KERNEL = "if IN_A_KERNEL:\n" + "".join(f"    {line}\n" for line in SQ_LOSS.splitlines())


def check(path, **options):
    return grading.check("sq_loss", file=path, kernel=True, **options)


def test_a_notebook_that_needs_a_kernel_gets_its_marks_only_in_kernel_mode(tmp_path):
    path = write_notebook(
        tmp_path / "kernel.ipynb",
        "%matplotlib inline\nimport torch\nimport matplotlib.pyplot as plt",
        IN_A_KERNEL,
        "from IPython.display import HTML, display\ndisplay(HTML('<b>plot</b>'))\nplt.plot([1, 2]); plt.show()",
        "!pip install nothing-at-all --quiet",
        ONLY_IN_A_KERNEL,
    )
    report = check(path)
    assert report.score == report.max_score and report.cells == []
    fast = grading.check("sq_loss", file=path)
    assert fast.score == 0 and summary(fast)[0] == "missing_name_notebook"


def test_failed_cells_are_recorded_with_their_line_and_the_notebook_goes_on(tmp_path):
    path = write_notebook(tmp_path / "messy.ipynb", "import torch", "x = 1\n1 / 0", "input('name? ')", SQ_LOSS)
    report = check(path)
    assert report.score == report.max_score
    failed = {cell.cell: cell for cell in report.cells}
    assert sorted(failed) == [2, 3]
    assert (failed[2].exception, failed[2].line, failed[2].code) == ("ZeroDivisionError", 2, "1 / 0")
    assert failed[3].exception == "StdinNotImplementedError"  # as in nbclient: no one types in a batch


def test_a_stub_is_not_implemented_and_a_mutant_loses_points(tmp_path):
    stub = check(write_notebook(tmp_path / "stub.ipynb", STUB))
    assert stub.score == 0 and summary(stub)[0] == "not_implemented"
    mutant = check(write_notebook(tmp_path / "mutant.ipynb", MUTANT))
    assert 0 < mutant.max_score and mutant.score < mutant.max_score


def test_an_error_in_the_students_function_names_its_cell(tmp_path):
    broken = "def sq_loss(y_true, y_prediction):\n    scale = 2\n    return y_true.nonexistent(y_prediction)"
    report = check(write_notebook(tmp_path / "raises.ipynb", "import torch", broken))
    assert report.checks[0].status is Status.ERROR
    kind, facts = summary(report)
    assert kind == "raised_in_cell" and (facts["cell"], facts["line"]) == (2, 3), (kind, facts)


def test_a_cell_that_loops_is_interrupted_and_one_that_ignores_interrupts_is_skipped(tmp_path):
    stubborn = "import time\nwhile True:\n    try:\n        time.sleep(10)\n    except BaseException:\n        pass"
    path = write_notebook(tmp_path / "loops.ipynb", "import torch", "while True:\n    pass", stubborn, SQ_LOSS)
    report = check(path, cell_timeout=1.0)
    assert report.score == report.max_score
    assert [(c.cell, c.status) for c in report.cells] == [(2, "timeout"), (3, "timeout")]


def test_a_cell_that_ends_the_kernel_is_skipped_and_the_rest_still_graded(tmp_path):
    path = write_notebook(tmp_path / "dies.ipynb", "import torch", "import os\nos._exit(3)", SQ_LOSS)
    report = check(path)
    assert report.score == report.max_score
    assert [(c.cell, c.status, c.message) for c in report.cells] == [(2, "died", "exit code 3")]


def test_the_kernels_own_threads_are_shut_in_too(tmp_path):
    """ipykernel's threads start after the worker is confined: code run there cannot write outside
    the worker's folder, nor open the Unix sockets that would reach the forkserver."""
    target = tmp_path / "escaped.txt"
    escape = f"""
import socket, threading, time
tried = {{}}
def attempt():
    try:
        open({str(target)!r}, "w").write("escaped")
        tried["write"] = "written"
    except OSError as exc:
        tried["write"] = type(exc).__name__
    try:
        socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        tried["socket"] = "opened"
    except OSError as exc:
        tried["socket"] = type(exc).__name__
get_ipython().kernel.control_thread.io_loop.add_callback(attempt)
for _ in range(100):
    if len(tried) == 2:
        break
    time.sleep(0.05)
raise RuntimeError(repr(sorted(tried.items())))
"""
    report = check(write_notebook(tmp_path / "escape.ipynb", escape, SQ_LOSS))
    assert report.score == report.max_score
    assert not target.exists()
    [cell] = report.cells
    assert "('socket', 'PermissionError')" in cell.message and "('write', 'written')" not in cell.message, cell


@pytest.mark.slow
def test_batch_grading_in_kernel_mode_agrees_with_the_fast_mode(tmp_path):
    submissions = tmp_path / "class"
    submissions.mkdir()
    write_notebook(submissions / "ada.ipynb", "import torch", SQ_LOSS)
    write_notebook(submissions / "bo.ipynb", "import torch", MUTANT)
    write_notebook(submissions / "cy.ipynb", STUB, "1 / 0")
    scores = {}
    for mode in ("fast", "kernel"):
        out = tmp_path / mode
        done = grader("grade", submissions, "--exercises", "sq_loss", "--out", out, "--workers", "2", "--quiet",
                      *(["--kernel"] if mode == "kernel" else []))
        assert done.code == 0, done.stderr
        scores[mode] = {path.stem: json.loads(path.read_text())["score"] for path in (out / "students").glob("*.json")}
    assert scores["kernel"] == scores["fast"]
    full = bank.get("sq_loss").max_score
    assert scores["fast"]["ada"] == full and scores["fast"]["bo"] < full and scores["fast"]["cy"] == 0


@pytest.mark.slow
def test_a_class_with_every_kind_of_notebook_gets_its_verdicts_in_kernel_mode(tmp_path, monkeypatch):
    """tests/classroom.py's class, every broken, looping and hostile kind included, graded with --kernel:
    no false pass, no false fail, and the failed cells listed as built."""
    monkeypatch.setenv("GRADER_TIMEOUT_SCALE", "0.2")
    expected = make_class(tmp_path / "class", len(BROKEN) + len(SPECIAL) + 4, seed=1)
    done = grader("grade", tmp_path / "class", "--assignment", ASSIGNMENT, "--out", tmp_path / "out",
                  "--workers", "2", "--quiet", "--kernel")
    assert done.code == 1, done.stderr  # the broken submissions are errors
    assert misses(expected, tmp_path / "out") == []
