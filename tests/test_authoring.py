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
