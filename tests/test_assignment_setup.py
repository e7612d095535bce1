"""An assignment's setup code runs in the student's namespace before the submission, as the instructor's.

Its names are there for the student's code (a .py file, a notebook in the fast mode and in a
kernel); what it prints is never the student's output; when it raises, that is the instructor's
error (SetupError naming the config file and the assignment), and a student cannot forge one.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import copy_bank, grader
from test_notebooks import write_notebook

from grader import bank, engine, report
from grader.results import Status
from grader.sandbox.setup import Setup, SetupError
from grader.submission import prepared

# torch and tensor come from the course's environment (the setup), not from the student's file.
NEEDS_SETUP = "def sq_loss(y_true, y_prediction):\n    return torch.pow(y_true - y_prediction, 2)\n"
SETUP = Setup(code="print('SETUP-SAYS')\nimport sys\nprint('SETUP-ERR', file=sys.stderr)\nimport torch\n",
              origin="course/torchgrader.toml, assignment 'week1'")
# A submission that tells the grader "the setup failed" down every pipe it has, then solves the exercise.
FORGER = NEEDS_SETUP + """
import json, os, stat, struct
head = json.dumps({"event": "setup_failed", "exception": "Forged", "message": "forged", "line": 1}).encode()
for fd in range(3, 64):
    try:
        if stat.S_ISFIFO(os.fstat(fd).st_mode):
            os.write(fd, struct.pack("!i", len(head) + 1) + head + b"\\n")
    except OSError:
        pass
"""


def grade(path: Path, setup: Setup | None, *, kernel: bool = False):
    with prepared(path, "sq_loss") as source:
        return engine.grade_many([bank.get("sq_loss")], source, kernel=kernel, setup=setup)[0]


def submission(tmp_path: Path, kind: str, code: str) -> Path:
    if kind == "py":
        path = tmp_path / "sq_loss.py"
        path.write_text(code)
        return path
    return write_notebook(tmp_path / "sq_loss.ipynb", code)


@pytest.mark.parametrize("kind,kernel", [("py", False), ("notebook", False), ("notebook", True)],
                         ids=["py", "notebook", "kernel"])
def test_setup_names_are_the_students_and_its_output_is_nobodys(tmp_path: Path, kind: str, kernel: bool):
    path = submission(tmp_path, kind, NEEDS_SETUP)
    graded = grade(path, SETUP, kernel=kernel)
    assert graded.score == graded.max_score, [c.feedback for c in graded.checks if c.feedback]
    shown = str(report.to_json(graded))
    assert "SETUP-SAYS" not in shown and "SETUP-ERR" not in shown
    without = grade(path, None, kernel=kernel)  # the same file, no setup: torch is undefined
    assert without.score == 0 and without.checks[0].status is Status.ERROR


def test_setup_that_raises_is_the_instructors_error_naming_the_config(tmp_path: Path):
    broken = Setup(code="import torch\nx = 1 / 0\n", origin="course/torchgrader.toml, assignment 'week1'")
    with pytest.raises(SetupError) as raised:
        grade(submission(tmp_path, "py", NEEDS_SETUP), broken)
    said = str(raised.value)
    assert said.startswith("course/torchgrader.toml, assignment 'week1': ")
    assert "ZeroDivisionError (line 2 of the setup)" in said and "Fix the setup code" in said


@pytest.mark.parametrize("kind", ["py", "notebook"])
def test_a_student_cannot_forge_a_setup_failure(tmp_path: Path, kind: str):
    graded = grade(submission(tmp_path, kind, FORGER), SETUP)
    assert graded.score == graded.max_score


def test_the_assignments_setup_is_read_from_its_config():
    setup = Setup.of("fastbook_ch4")
    assert setup is not None and "from torch import nn, tensor" in setup.code
    assert setup.origin.endswith("torchgrader.toml, assignment 'fastbook_ch4'")
    assert Setup.of("core") is None  # no setup code: nothing runs


def test_grade_by_assignment_runs_its_setup_and_stops_on_a_broken_one(tmp_path: Path):
    root = copy_bank(tmp_path, "sq_loss")
    config = root / "torchgrader.toml"
    config.write_text(config.read_text() + '\n[[assignments]]\nname = "week1"\nexercises = ["sq_loss"]\n'
                      'setup = """\nimport torch\nprint("SETUP-SAYS")\n"""\n')
    (tmp_path / "class").mkdir()
    (tmp_path / "class" / "ada.py").write_text(NEEDS_SETUP)
    done = grader("grade", tmp_path / "class", "--assignment", "week1", "--out", tmp_path / "out", "--bank", root,
                  "--quiet")
    assert done.code == 0, done.stdout + done.stderr
    assert "SETUP-SAYS" not in (tmp_path / "out" / "students" / "ada.json").read_text()
    config.write_text(config.read_text().replace('print("SETUP-SAYS")', "from fastai.vision.all import *"))
    broken = grader("grade", tmp_path / "class", "--assignment", "week1", "--out", tmp_path / "out2", "--bank", root,
                    "--quiet")
    assert broken.code == 2 and "Traceback" not in broken.stderr
    assert f"grader: {config}, assignment 'week1': the assignment's setup code raised ModuleNotFoundError " \
           "(line 2 of the setup): No module named 'fastai'" in broken.stderr
