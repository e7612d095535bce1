"""Published course notebooks, graded as a new user would submit them.

The notebooks (Neuromatch W1D2 Tutorial 1, instructor and student versions; fastbook's
04_mnist_basics, clean version) are third-party content and stay out of git: they are read from
../shared/real-notebooks/ beside the checkout (CI has it), or from tests/notebooks/real/ as
NOTICE.md there says. Without them these tests skip, saying so.
Their Colab cells, widgets, downloads and missing data fail; the exercises they define must
still be graded: solutions full marks, stubs 0 with "not implemented yet". The last tests build
notebooks with the same constructs from our own references and stubs, so that they run
everywhere.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT

import grader
from grader import bank
from grader.results import ExerciseReport, Status

REAL = ROOT / "tests" / "notebooks" / "real"
SHARED = ROOT.parent / "shared" / "real-notebooks"  # beside the checkout, in CI too (unmodified, with licences)


def _first(*paths: Path) -> Path:
    return next((path for path in paths if path.is_file()), paths[0])


NMA_INSTRUCTOR = _first(SHARED / "nma" / "W1D2_Tutorial1_instructor.ipynb", REAL / "nma_w1d2_tutorial1_instructor.ipynb")
NMA_STUDENT = _first(SHARED / "nma" / "W1D2_Tutorial1_student.ipynb", REAL / "nma_w1d2_tutorial1_student.ipynb")
FASTBOOK = _first(SHARED / "fastbook" / "clean" / "04_mnist_basics.ipynb", REAL / "fastbook_04_mnist_basics_clean.ipynb")
NMA = bank.assignment("nma_w1d2")[1].exercises
FASTBOOK_CH4 = bank.assignment("fastbook_ch4")[1].exercises



def notebook(path: Path) -> Path:
    if not path.is_file():
        pytest.skip(f"{path.name} is not in this checkout (third-party notebook, kept out of git: "
                    "see tests/notebooks/real/NOTICE.md)")
    return path


def summaries(report: ExerciseReport) -> list[str]:
    """The summary id of every check that ran (skipped checks have none of their own)."""
    return [c.feedback.summary[0] if c.feedback else "" for c in report.checks if c.status is not Status.SKIPPED]


def stubbed(path: Path, names: tuple[str, ...], target: Path) -> Path:
    """A copy of the notebook whose functions `names` raise NotImplementedError: the student version.

    Cells that are not plain Python (`!pip`, magics) are left alone; they define nothing graded.
    """
    nb = nbformat.read(str(path), as_version=4)
    replaced = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        lines = cell.source.splitlines()
        defs = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in names]
        for node in sorted(defs, key=lambda n: n.lineno, reverse=True):
            indent = " " * node.col_offset
            stub = [f"{indent}def {node.name}({ast.unparse(node.args)}):",
                    f"{indent}    raise NotImplementedError(\"Exercise `{node.name}`\")"]
            lines[node.lineno - 1:node.end_lineno] = stub
            replaced += 1
        cell.source = "\n".join(lines)
    assert replaced >= len(names), f"only {replaced} definitions of {names} found in {path.name}"
    nbformat.write(nb, str(target))
    return target


def cli_check(exercise: str, path: Path) -> dict:
    """`grader check EXERCISE --file PATH --json` in a fresh process."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "grader", "check", exercise, "--file", str(path), "--json"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)


# -- Neuromatch W1D2 Tutorial 1 ----------------------------------------------------------------

@pytest.mark.parametrize("exercise", NMA)
def test_nma_instructor_notebook_gets_full_marks(exercise: str):
    report = grader.check(exercise, file=notebook(NMA_INSTRUCTOR))
    failed = {c.id: c.feedback.summary if c.feedback else None for c in report.checks if c.status is not Status.PASSED}
    assert report.score == report.max_score, failed


def test_nma_instructor_notebook_colab_cells_are_reported_not_fatal():
    report = grader.check("sq_loss", file=notebook(NMA_INSTRUCTOR))
    failed = {cell.cell: cell for cell in report.cells}
    # code cell 2: `!pip install …` (the course's tracking tools) is skipped, then its import fails; 4: ipywidgets.
    assert failed[2].exception == "ModuleNotFoundError" and "No module named" in failed[2].message
    assert failed[4].exception == "ModuleNotFoundError" and "ipywidgets" in failed[4].message
    assert all(cell.status == "error" for cell in report.cells)  # nothing hung until its time limit


@pytest.mark.parametrize("exercise", ["sq_loss", "simple_graph", "train_loop"])
def test_nma_student_notebook_gets_zero_not_implemented(exercise: str):
    report = grader.check(exercise, file=notebook(NMA_STUDENT))
    assert report.score == 0
    assert set(summaries(report)) == {"not_implemented"}


def test_nma_student_notebook_output_at_load_is_under_no_check():
    # The notebook prints slide links, "Random seed 2021 has been set.", a WideNet(...) repr and
    # "Figure(640x480)" as it loads: that is its load output, never what a check printed.
    from grader.batch.feedback import feedback_html, feedback_markdown

    path = notebook(NMA_STUDENT)
    data = cli_check("sq_loss", path)
    assert "Random seed 2021 has been set." in data["load_output"] and data["load_failed"] is False
    assert [t["output"] for t in data["tests"]] == [""] * len(data["tests"])  # the stubs print nothing
    done = subprocess.run([sys.executable, "-m", "grader", "check", "sq_loss", "--file", str(path)], cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=300)
    assert "not implemented" in done.stdout
    student = {"student": "s", "status": "graded", "message": "", "score": data["score"],
               "max_score": data["max_score"], "exercises": [data]}
    for shown in (done.stdout, feedback_markdown(student), feedback_html(student)):
        assert not any(said in shown for said in ("Random seed", "WideNet", "Figure(", "http"))


@pytest.mark.parametrize("exercise", NMA)
def test_nma_student_notebook_scores_zero(exercise: str):
    report = grader.check(exercise, file=notebook(NMA_STUDENT))
    assert report.score == 0 and report.checks[0].status is Status.ERROR


# -- fastbook 04_mnist_basics ------------------------------------------------------------------

def test_fastbook_clean_notebook_gets_full_marks_by_assignment_without_fastai(tmp_path: Path):
    # fastbook_ch4's setup code (torchgrader.toml) gives the names the chapter's functions take from
    # `from fastai.vision.all import *`; this machine has no fastai (that import fails).
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "reader.ipynb").write_bytes(notebook(FASTBOOK).read_bytes())
    done = subprocess.run([sys.executable, "-m", "grader", "grade", str(folder), "--assignment", "fastbook_ch4",
                           "--out", str(tmp_path / "out"), "--quiet"], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    student = json.loads((tmp_path / "out" / "students" / "reader.json").read_text())
    for exercise in student["exercises"]:
        failed = {t["name"]: t["message"] for t in exercise["tests"] if t["status"] != "passed"}
        assert exercise["score"] == exercise["max_score"], (exercise["exercise"], failed)
        cells = {cell["cell"]: cell for cell in exercise["cells"]}
        assert cells[1]["exception"] == "ModuleNotFoundError"  # `import fastbook` after the skipped !pip
        assert "fastai" in cells[2]["message"]  # the star import itself still fails
        assert all(cell["status"] == "error" for cell in cells.values())  # no download or training hung
    assert [e["exercise"] for e in student["exercises"]] == list(FASTBOOK_CH4)


@pytest.mark.parametrize("exercise", ["mnist_distance", "batch_accuracy"])
def test_fastbook_functions_that_use_only_tensor_methods_need_no_fastai(exercise: str):
    report = grader.check(exercise, file=notebook(FASTBOOK))
    assert report.score == report.max_score


def test_fastbook_mnist_loss_without_fastai_says_torch_is_missing():
    # torch itself comes from `from fastai.vision.all import *`: without fastai the chapter's
    # mnist_loss cannot run, and the report names both the failed import and the missing name.
    report = grader.check("mnist_loss", file=notebook(FASTBOOK))
    assert report.score == 0
    first = report.checks[0].feedback
    assert first is not None and first.summary[1].get("exception") == "NameError"
    assert "torch" in first.summary[1].get("message", "")
    assert any(cell.cell == 2 and "fastai" in cell.message for cell in report.cells)


@pytest.mark.parametrize("exercise", FASTBOOK_CH4)
def test_fastbook_stubbed_notebook_gets_zero_not_implemented(exercise: str, tmp_path: Path):
    path = stubbed(notebook(FASTBOOK), FASTBOOK_CH4, tmp_path / "04_mnist_basics_student.ipynb")
    report = grader.check(exercise, file=path)
    assert report.score == 0
    assert set(summaries(report)) == {"not_implemented"}


def test_the_stub_helper_replaces_every_definition_and_nothing_else(tmp_path: Path):
    path = stubbed(notebook(FASTBOOK), ("mnist_loss",), tmp_path / "stub.ipynb")
    before = nbformat.read(str(FASTBOOK), as_version=4).cells
    after = nbformat.read(str(path), as_version=4).cells
    changed = [(b.source, a.source) for b, a in zip(before, after) if b.source != a.source]
    assert len(after) == len(before) and len(changed) == 2  # the chapter defines mnist_loss twice
    assert all(a.startswith("def mnist_loss(predictions, targets):\n    raise NotImplementedError")
               for _, a in changed)


# -- The same constructs in notebooks written here, so that a checkout without the fixtures ----
# (CI) still grades them. The code cells are our own references and stubs.

SOURCE = {name: (ROOT / "reference_solutions" / f"{name}.py").read_text() for name in NMA + FASTBOOK_CH4}
STUB = {name: (ROOT / "exercises" / f"{name}.py").read_text() for name in NMA}

COLAB_SETUP = [
    "# @title Install dependencies\n!pip install git+https://example.invalid/evaltools --quiet\n\n"
    "from evaltools.airtable import AirtableForm\natform = AirtableForm('base', 'table', 'url')",
    "# Imports\nimport torch\nimport numpy as np\nfrom torch import nn\nimport matplotlib.pyplot as plt",
    "# @title Figure settings\nimport ipywidgets as widgets\n%config InlineBackend.figure_format = 'retina'\n"
    "plt.style.use('https://example.invalid/course.mplstyle')",
    "# @title Video 1\nfrom ipywidgets import widgets\nout = widgets.Output()\ndisplay(out)\n"
    "atform.add_event('Video 1')",
    "from google.colab import drive\ndrive.mount('/content/drive')",
    "%%capture\n!pip install something --quiet",
]
TRACKING = "\n\n# Add event to airtable\natform.add_event('Coding Exercise')\n"
DEMO = "with plt.xkcd():\n    plt.plot([1, 2, 3])\n    plt.show()\n"


def write_notebook(path: Path, cells: list[str]) -> Path:
    from nbformat.v4 import new_code_cell, new_notebook

    nbformat.write(new_notebook(cells=[new_code_cell(c) for c in cells]), str(path))
    return path


def nma_shaped(path: Path, *, solved: bool, tracking_first: bool = False) -> Path:
    """Setup cells as Neuromatch writes them, then one cell per exercise with the tracking call."""
    cells = list(COLAB_SETUP)
    for name in NMA:
        code = SOURCE[name] if solved else STUB[name]
        cells.append(TRACKING + code if tracking_first else code + TRACKING + DEMO)
    return write_notebook(path, cells)


def fastbook_shaped(path: Path) -> Path:
    """fastbook's pattern: a failing star import, data that is not there, a first wrong version redefined."""
    return write_notebook(path, [
        "#hide\n!pip install -Uqq somebook\nimport somebook\nsomebook.setup_book()",
        "#hide\nimport torch\nfrom fastai.vision.all import *\nfrom somebook import *",
        "path = untar_data(URLs.MNIST_SAMPLE)",
        "def mnist_distance(a,b): return (a-b).abs().mean((-1,-2))\nmnist_distance(a_3, mean3)",
        "def mnist_loss(predictions, targets):\n    return torch.where(targets==1, 1-predictions, predictions).mean()",
        "plot_function(torch.sigmoid, title='Sigmoid', min=-4, max=4)",
        SOURCE["mnist_loss"],
        SOURCE["batch_accuracy"] + "\nbatch_accuracy(linear1(batch), train_y[:4])",
        "learn = Learner(dls, nn.Linear(28*28,1), opt_func=SGD)\nlearn.fit(10, lr=lr)",
    ])


@pytest.mark.parametrize("exercise", NMA)
def test_nma_shaped_solutions_get_full_marks(exercise: str, tmp_path: Path):
    report = grader.check(exercise, file=nma_shaped(tmp_path / "solved.ipynb", solved=True))
    assert report.score == report.max_score
    assert {c.cell for c in report.cells} >= {1, 3, 4, 5}  # evaltools, widgets (twice), colab


@pytest.mark.parametrize("exercise", NMA)
def test_nma_shaped_stubs_get_zero_not_implemented(exercise: str, tmp_path: Path):
    report = grader.check(exercise, file=nma_shaped(tmp_path / "stubs.ipynb", solved=False))
    assert report.score == 0
    assert set(summaries(report)) == {"not_implemented"}


def test_nma_shaped_stubs_after_a_failing_call_still_say_not_implemented(tmp_path: Path):
    report = grader.check("sq_loss", file=nma_shaped(tmp_path / "first.ipynb", solved=False, tracking_first=True))
    assert set(summaries(report)) == {"not_implemented"}


@pytest.mark.parametrize("exercise", FASTBOOK_CH4)
def test_fastbook_shaped_notebook_grades_the_last_definitions(exercise: str, tmp_path: Path):
    report = grader.check(exercise, file=fastbook_shaped(tmp_path / "04.ipynb"))
    assert report.score == report.max_score
    assert any(cell.cell == 2 and "fastai" in cell.message for cell in report.cells)


@pytest.mark.parametrize("exercise", FASTBOOK_CH4)
def test_fastbook_shaped_stubbed_notebook_says_not_implemented(exercise: str, tmp_path: Path):
    path = stubbed(fastbook_shaped(tmp_path / "04.ipynb"), FASTBOOK_CH4, tmp_path / "04_student.ipynb")
    report = grader.check(exercise, file=path)
    assert report.score == 0
    assert set(summaries(report)) == {"not_implemented"}
