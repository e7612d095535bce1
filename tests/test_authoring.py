"""Authoring a bank: the pytest plugin in a course repository, and docs/authoring.md built by running it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from conftest import ROOT, copy_bank

PLUGIN = "grader.pytest_plugin"
WRONG_MUTANT = '''"""Mistake: none after all (this file is correct).
間違い: 実は間違っていません。
Caught by: values."""

def sq_loss(y_true, y_prediction):
    return (y_true - y_prediction) ** 2
'''


def pytest_run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """A real `pytest` in `cwd`, with the plugin (named with -p where its entry point is not installed)."""
    installed = any(point.value == PLUGIN for point in entry_points(group="pytest11"))
    plugin = [] if installed else ["-p", PLUGIN]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "pytest", *plugin, "-p", "no:cacheprovider", "-p", "no:randomly",
                           *map(str, args)], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def small_course(folder: Path) -> Path:
    """A course bank with sq_loss: one mutant caught, one mutant that is in fact correct, one alternate."""
    root = copy_bank(folder, "sq_loss")
    for kind, keep in (("mutants", "mean_reduction.py"), ("alternates", "swapped_args.py")):
        for path in (root / "exercises/sq_loss" / kind).glob("*.py"):
            if path.name != keep:
                path.unlink()
    (root / "exercises/sq_loss/mutants/not_wrong.py").write_text(WRONG_MUTANT)
    return root


def test_the_plugin_is_declared_as_a_pytest11_entry_point():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["entry-points"]["pytest11"] == {"torchgrader": PLUGIN}


def test_pytest_in_a_course_bank_validates_each_file_as_an_item(tmp_path):
    root = small_course(tmp_path)
    run = pytest_run("-v", "-rf", cwd=root)
    assert run.returncode == 1, run.stdout + run.stderr
    for item, outcome in (("sq_loss::reference", "PASSED"), ("sq_loss::stub", "PASSED"),
                          ("sq_loss::mutant::mean_reduction", "PASSED"), ("sq_loss::alternate::swapped_args", "PASSED"),
                          ("sq_loss::mutant::not_wrong", "FAILED")):
        assert f"torchgrader.toml::{item} {outcome}" in run.stdout, item
    assert "1 failed, 4 passed" in run.stdout
    failure = run.stdout.split("= FAILURES =")[1]
    assert "mutant got full marks; check 'values' did not catch it" in failure
    assert "values (elementwise values): passed" in failure  # what each check said
    assert "Traceback" not in failure and "grader/engine.py" not in failure


def test_an_alternate_that_loses_points_fails_with_the_checks_message(tmp_path):
    root = small_course(tmp_path)
    (root / "exercises/sq_loss/alternates/swapped_args.py").write_text(
        "import torch\n\ndef sq_loss(y_true, y_prediction):\n    return torch.abs(y_true - y_prediction)\n")
    run = pytest_run("-k", "alternate", cwd=root)
    assert run.returncode == 1
    failure = run.stdout.split("= FAILURES =")[1]
    assert re.search(r"alternate lost points in \[.*'values'.*\]", failure), failure
    assert "elements differ" in failure and "hint: each element should be the square" in failure
    assert "Traceback" not in failure


def test_a_bank_config_outside_the_rootdir_and_testpaths_adds_nothing(tmp_path):
    root = small_course(tmp_path)
    (root / "pytest.ini").write_text("[pytest]\ntestpaths = tests\n")
    (root / "tests").mkdir()
    (root / "tests/test_one.py").write_text("def test_one():\n    assert 1 + 1 == 2\n")
    listed = pytest_run("--collect-only", "-q", cwd=root)
    assert "tests/test_one.py::test_one" in listed.stdout
    assert "torchgrader.toml" not in listed.stdout
    named = pytest_run("--collect-only", "-q", "torchgrader.toml", cwd=root)  # named: collected
    assert "torchgrader.toml::sq_loss::mutant::not_wrong" in named.stdout


def test_this_repositorys_test_run_gets_no_bank_items():
    listed = pytest_run("--collect-only", "-q", "--co", cwd=ROOT)
    assert "tests/test_authoring.py::test_this_repositorys_test_run_gets_no_bank_items" in listed.stdout
    assert "torchgrader.toml::" not in listed.stdout


# grader check --assignment: a student's work on every exercise of an assignment, one report each, the total.

REFERENCE = ROOT / "reference_solutions"


def notebook(path: Path, *cells: str) -> Path:
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    nbformat.write(new_notebook(cells=[new_code_cell(c) for c in cells]), str(path))
    return path


def test_check_assignment_grades_a_notebook_on_every_exercise_in_one_run(tmp_path, run_grader):
    sq, graph = (REFERENCE / "sq_loss.py").read_text(), (REFERENCE / "simple_graph.py").read_text()
    work = notebook(tmp_path / "w1d2.ipynb", sq, graph)  # no train() yet
    run = run_grader("check", "--assignment", "nma_w1d2", "--file", work, "--json")
    assert run.code == 1, run.stderr
    data = run.json
    assert data["assignment"] == "nma_w1d2"
    assert [e["exercise"] for e in data["exercises"]] == ["sq_loss", "simple_graph", "train_loop"]
    scores = [e["score"] for e in data["exercises"]]
    assert scores[0] == data["exercises"][0]["max_score"] and scores[1] == data["exercises"][1]["max_score"]
    assert scores[2] == 0
    assert data["score"] == sum(scores) and data["max_score"] == sum(e["max_score"] for e in data["exercises"])

    shown = run_grader("check", "--assignment", "nma_w1d2", "--file", work)
    assert shown.code == 1
    assert shown.stdout.index("sq_loss —") < shown.stdout.index("simple_graph —") < shown.stdout.index("train_loop —")
    assert f"total {data['score']:g} / {data['max_score']:g}" in shown.stdout.splitlines()[-1]


def test_check_assignment_at_full_marks_exits_0_and_runs_one_sandbox(tmp_path, monkeypatch):
    from grader import api, engine

    cells = [(REFERENCE / f"{name}.py").read_text() for name in ("mnist_distance", "mnist_loss", "batch_accuracy")]
    work = notebook(tmp_path / "ch4.ipynb", *cells)
    calls = []
    real = engine.grade_many
    monkeypatch.setattr(engine, "grade_many", lambda *a, **k: calls.append(a) or real(*a, **k))
    graded = api.check_assignment("fastbook_ch4", file=work)
    assert len(calls) == 1 and [e.name for e in calls[0][0]] == ["mnist_distance", "mnist_loss", "batch_accuracy"]
    assert graded.score == graded.max_score > 0 and graded.exit_code == 0


def test_check_assignment_without_file_grades_each_exercises_own_file(tmp_path, run_grader):
    assert run_grader("init", tmp_path).code == 0
    (tmp_path / "exercises/sq_loss.py").write_text((REFERENCE / "sq_loss.py").read_text())
    data = run_grader("check", "--assignment", "nma_w1d2", "--json", cwd=tmp_path).json
    first = data["exercises"][0]
    assert first["score"] == first["max_score"] and data["score"] == first["score"]  # the stubs score 0
    assert [Path(e["file"]).relative_to(tmp_path).as_posix() for e in data["exercises"]] == [
        "exercises/sq_loss.py", "exercises/simple_graph.py", "exercises/train_loop.py"]

    (tmp_path / "exercises/train_loop.py").unlink()
    missing = run_grader("check", "--assignment", "nma_w1d2", cwd=tmp_path)
    assert missing.code == 2 and "train_loop.py" in missing.stderr and "grader init" in missing.stderr


def test_check_assignment_runs_the_assignments_setup_first(tmp_path, run_grader):
    root = copy_bank(tmp_path, "sq_loss")
    with (root / "torchgrader.toml").open("a") as config:
        config.write('\n[[assignments]]\nname = "week1"\nexercises = ["sq_loss"]\n'
                     'setup = "def square(t):\\n    return t * t"\n')
    work = tmp_path / "work.py"
    work.write_text("def sq_loss(y_true, y_prediction):\n    return square(y_true - y_prediction)\n")  # setup's name
    with_setup = run_grader("check", "--bank", root, "--assignment", "week1", "--file", work, "--json")
    assert with_setup.code == 0, with_setup.stdout + with_setup.stderr
    without = run_grader("check", "--bank", root, "course:sq_loss", "--file", work, "--json")
    assert without.code == 1 and without.json["score"] == 0


@pytest.mark.parametrize("args", [("check",), ("check", "sq_loss", "--assignment", "nma_w1d2")], ids=["none", "both"])
def test_check_wants_an_exercise_or_an_assignment(args, run_grader):
    run = run_grader(*args)
    assert run.code == 2 and "give either an EXERCISE" in run.stderr and "Traceback" not in run.stderr


# docs/authoring.md, built by running it: its ```console blocks are run ("$ " lines, in order, in one folder),
# its ```python PATH / ```toml PATH blocks are written to PATH first, and every output line it shows must be
# what the command prints now ("..." stands for lines left out).

DOC = ROOT / "docs" / "authoring.md"
HOME = "/home/me/work"  # the folder the doc's commands run in, as the doc names it
FENCE = re.compile(r"^```([a-z]*)(?:[ \t]+(\S+))?[ \t]*\n(.*?)^```[ \t]*$", re.S | re.M)


def doc_steps(text: str) -> list[tuple[str, str, str]]:
    """("file", path, content) and ("run", command, expected output), in the doc's order."""
    steps: list[tuple[str, str, str]] = []
    for lang, path, body in FENCE.findall(text):
        if path and lang in ("python", "toml"):
            steps.append(("file", path, body))
        elif lang == "console":
            for chunk in re.split(r"^\$ ", body, flags=re.M)[1:]:
                command, _, expected = chunk.partition("\n")
                steps.append(("run", command, expected))
    return steps


def normal(text: str, work: Path) -> list[str]:
    """Lines as compared: the work folder as the doc names it, durations and spacing left out."""
    text = text.replace(str(work), HOME).replace(str(ROOT), "/opt/torchgrader")
    text = re.sub(r"\b\d+(\.\d+)? ?s\b", "N s", text)
    text = re.sub(r"={3,}", "===", text)  # pytest pads its summary line to the width the duration leaves
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def run_doc(work: Path) -> list[tuple[str, str, str]]:
    """Every step of the doc done in `work`: (command, expected output, actual output and exit code)."""
    installed = any(point.value == PLUGIN for point in entry_points(group="pytest11"))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "100", "NO_COLOR": "1",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env.pop("GRADER_BANK", None)
    if not installed:
        env["PYTEST_ADDOPTS"] = f"-p {PLUGIN} -p no:cacheprovider -p no:randomly"
    done = []
    for kind, what, body in doc_steps(DOC.read_text(encoding="utf-8")):
        if kind == "file":
            (work / what).parent.mkdir(parents=True, exist_ok=True)
            (work / what).write_text(body, encoding="utf-8")
            continue
        run = subprocess.run(["bash", "-c", what], cwd=work, env=env, capture_output=True, text=True, timeout=600)
        done.append((what, body, f"{run.stdout}{run.stderr}\n[exit {run.returncode}]"))
    return done


def test_the_authoring_guide_runs_as_written():
    import tempfile

    with tempfile.TemporaryDirectory(prefix="tg-") as folder:  # a short path: lines wrap as in the doc
        work = Path(folder) / "work"
        work.mkdir()
        done = run_doc(work)
    commands = [command for command, _, _ in done]
    for needed in ("grader new", "grader validate", "grader list", "grader check", "grader grade", "pytest",
                   "grader pack"):
        assert any(c.startswith(needed) or f" {needed}" in c for c in commands), needed
    for command, expected, actual in done:
        got = set(normal(actual, work))
        assert actual.rstrip().endswith("[exit 0]") or "echo exit $?" in command, (command, actual)
        for line in normal(expected, work):
            if line != "...":
                assert line in got, f"$ {command}\nthe doc shows: {line}\nthe command printed:\n{actual}"


if __name__ == "__main__":  # print what the doc's commands print now, to paste into docs/authoring.md
    import tempfile

    with tempfile.TemporaryDirectory(prefix="tg-") as folder:
        work = Path(folder) / "work"
        work.mkdir()
        for command, _, actual in run_doc(work):
            print(f"$ {command}\n{actual.replace(str(work), HOME)}\n")
