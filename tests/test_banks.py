"""Banks from outside the package: a course's folder, found by --bank, GRADER_BANK, the nearest
torchgrader.toml and entry points; `bank:exercise` names; broken banks that leave the others working."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, copy_bank, grader
from grader.bank import config as bank_config

SQ_REFERENCE = ROOT / "reference_solutions" / "sq_loss.py"


def _says(output: str, *parts: str) -> bool:
    """Whether `output` (wrapped to the terminal's width) says every one of `parts`."""
    flat = re.sub(r"\s+", "", output)
    return all(re.sub(r"\s+", "", part) in flat for part in parts)


def _renamed(root: Path, old: str, new: str) -> None:
    """Turn the copied exercise `old` of the bank at `root` into an exercise called `new`."""
    folder = root / "exercises" / old
    folder.rename(root / "exercises" / new)
    checks = root / "exercises" / new / "checks.py"
    checks.write_text(checks.read_text().replace(f'name="{old}"', f'name="{new}"'))
    for suffix in ("exercises", "reference_solutions"):
        (root / suffix / f"{old}.py").rename(root / suffix / f"{new}.py")


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """A course bank with one exercise of its own, `my_sq` (sq_loss under another name), in an assignment."""
    root = copy_bank(tmp_path_factory.mktemp("banks"), "sq_loss")
    _renamed(root, "sq_loss", "my_sq")
    (root / "torchgrader.toml").write_text(
        '[bank]\nname = "course"\nlang = "en"\n\n[[assignments]]\nname = "week1"\ntitle = "Week 1"\n'
        'exercises = ["my_sq", "sq_loss"]\n')
    return root


def test_a_course_exercise_is_graded_in_the_sandbox_with_its_own_bank(course: Path):
    done = grader("check", "my_sq", "--bank", course, "--file", course / "reference_solutions" / "my_sq.py", "--json")
    assert done.code == 0, done.stderr
    assert done.json["exercise"] == "my_sq" and done.json["score"] == 4
    mutant = course / "exercises" / "my_sq" / "mutants" / "mean_reduction.py"
    done = grader("check", "course:my_sq", "--bank", course, "--file", mutant, "--json")
    assert done.code == 1 and done.json["score"] < 4


def test_adding_an_exercise_to_a_bank_changes_nothing_else(course: Path):
    listed = grader("list", "--bank", course)
    assert listed.code == 0 and "my_sq" in listed.stdout and "assignment week1" in listed.stdout
    builtin = grader("list")
    assert "my_sq" not in builtin.stdout
    assert subprocess.run(["git", "status", "--porcelain", "--", "grader", "exercises", "reference_solutions",
                           "torchgrader.toml"], cwd=ROOT, capture_output=True, text=True).stdout.count("my_sq") == 0
    done = grader("validate", "--bank", course)
    assert done.code == 0, done.stdout[-2000:]
    assert re.search(r"\b(1[5-9]|[2-9]\d) files graded, 0 violations", done.stdout), done.stdout[-500:]


def test_the_nearest_config_and_grader_bank_find_a_course(course: Path, tmp_path: Path):
    inside = course / "exercises"
    done = grader("check", "my_sq", "--file", course / "reference_solutions" / "my_sq.py", cwd=inside)
    assert done.code == 0, done.stderr
    env_run = subprocess.run([sys.executable, "-m", "grader", "list"], cwd=tmp_path, capture_output=True, text=True,
                             env={**os.environ, "PYTHONPATH": str(ROOT), "GRADER_BANK": str(course)})
    assert "my_sq" in env_run.stdout and "(GRADER_BANK)" in env_run.stdout


def test_a_name_two_banks_have_must_say_which(tmp_path: Path):
    clash = copy_bank(tmp_path, "sq_loss", name="twin")
    done = grader("check", "sq_loss", "--bank", clash, "--file", SQ_REFERENCE)
    assert done.code == 2 and "several banks" in done.stderr and "twin:sq_loss" in done.stderr
    assert "Traceback" not in done.stderr
    for ref in ("builtin:sq_loss", "twin:sq_loss"):
        done = grader("check", ref, "--bank", clash, "--file", SQ_REFERENCE, "--json")
        assert done.code == 0, (ref, done.stderr)


def test_an_entry_point_brings_a_bank_and_a_broken_one_leaves_the_others_working(course: Path, tmp_path: Path):
    site = tmp_path / "site"
    package = site / "course_bank"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(f"from pathlib import Path\n\ndef root():\n    return Path({str(course)!r})\n")
    info = site / "course_bank-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: course-bank\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[torchgrader.banks]\ncourse = course_bank:root\n"
                                          "broken = no_such_module_anywhere\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(site)])}
    listed = subprocess.run([sys.executable, "-m", "grader", "list"], cwd=tmp_path, capture_output=True, text=True,
                            env=env)
    assert listed.returncode == 0, listed.stderr
    assert _says(listed.stdout, "my_sq", "entry point course"), listed.stdout
    assert _says(listed.stdout, "cannot be used", "no_such_module_anywhere"), listed.stdout
    done = subprocess.run([sys.executable, "-m", "grader", "check", "my_sq", "--json", "--file",
                           str(course / "reference_solutions" / "my_sq.py")], cwd=tmp_path, capture_output=True,
                          text=True, env=env)
    assert done.returncode == 0 and json.loads(done.stdout)["score"] == 4, done.stderr


def test_a_broken_exercise_leaves_the_rest_of_its_bank_working(tmp_path: Path):
    root = copy_bank(tmp_path, "sq_loss", "mnist_loss", name="shaky")
    checks = root / "exercises" / "mnist_loss" / "checks.py"
    checks.write_text(checks.read_text() + "\nraise RuntimeError('half-written check')\n")
    listed = grader("list", "--bank", root)
    assert _says(listed.stdout, "half-written check", str(checks)), listed.stdout
    done = grader("check", "shaky:mnist_loss", "--bank", root, "--file", SQ_REFERENCE)
    assert done.code == 2 and "checks.py" in done.stderr and "Traceback" not in done.stderr
    done = grader("check", "shaky:sq_loss", "--bank", root, "--file", SQ_REFERENCE, "--json")
    assert done.code == 0, done.stderr


@pytest.mark.parametrize(("text", "line", "says"), [
    ('[bank]\nname = "c"\n\n[[assignments]]\nname = "w1"\nexercises = ["sq_loss", "nope"]\n', 6, "nope"),
    ('[bank]\nname = "c"\n[[assignments]]\nname = "w1"\nexercises = ["sq_loss"]\n'
     '[[assignments]]\nname = "w1"\nexercises = ["sq_loss"]\n', 6, "defined twice"),
    ('[bank]\nname = "c"\n[[assignments]]\nname = "w1"\nexercises = ["sq_loss", "sq_loss"]\n', 3, "twice"),
    ('[bank]\nname = "c"\n\n[points]\n"sq_loss.shape" = -1\n', 5, "above 0"),
    ('[bank]\nname = "c"\n[[assignments]\n', 3, "not valid TOML"),
    ('[bank]\nname = "Not A Name"\n', 2, "bank.name"),
    ('[bank]\nname = "c"\n[[assignments]]\nname = "w1"\nexercises = ["sq_loss"]\nsetup = "import ("\n', 3, "setup"),
])
def test_config_errors_name_the_file_and_line(tmp_path: Path, text: str, line: int, says: str):
    root = copy_bank(tmp_path, "sq_loss", name="c")
    (root / "torchgrader.toml").write_text(text)
    listed = grader("list", "--bank", root)
    assert _says(listed.stdout, f"torchgrader.toml:{line}", says), listed.stdout
    assert "sq_loss" in grader("check", "sq_loss", "--file", SQ_REFERENCE, "--bank", root, "--json").stdout


def test_text_must_have_both_languages_with_the_same_placeholders(tmp_path: Path):
    root = copy_bank(tmp_path, "sq_loss", name="c")
    _renamed(root, "sq_loss", "my_sq")
    text = root / "exercises" / "my_sq" / "text.toml"
    text.write_text(text.read_text().replace('[ja.messages]\n"hint.elementwise"', '[ja.messages]\n"hint.other"'))
    done = grader("check", "my_sq", "--bank", root, "--file", root / "reference_solutions" / "my_sq.py")
    assert done.code == 2 and "text.toml" in done.stderr and "hint.elementwise" in done.stderr


def test_read_config_accepts_a_full_example(tmp_path: Path):
    path = tmp_path / "torchgrader.toml"
    path.write_text(bank_config.__doc__.split("```toml\n")[1].split("```")[0])
    parsed = bank_config.read(path)
    assert parsed.bank.name == "mycourse" and parsed.assignments[0].exercises == ("sq_loss", "my_exercise")
    assert parsed.points == {"my_exercise.values": 2}


@pytest.mark.parametrize("kernel", [False, True], ids=["fast", "kernel"])
def test_a_course_exercise_grades_a_notebook(course: Path, tmp_path: Path, kernel: bool):
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    solution = (course / "reference_solutions" / "my_sq.py").read_text()
    notebook = tmp_path / "week1.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("print('hello')"), new_code_cell(solution)]), notebook)
    done = grader("check", "my_sq", "--bank", course, "--file", notebook, "--json", *(["--kernel"] if kernel else []))
    assert done.code == 0, done.stderr
    assert done.json["score"] == done.json["max_score"]


@pytest.mark.parametrize(("reference", "says"), [
    (None, "is missing"),
    ("def sq_loss(y_true, y_prediction):\n    raise ValueError('half-written')\n", "raised ValueError on the reference"),
])
def test_a_missing_or_raising_reference_is_the_banks_error_not_the_students(tmp_path: Path, reference, says):
    root = copy_bank(tmp_path, "sq_loss", name="c")
    path = root / "reference_solutions" / "sq_loss.py"
    if reference is None:
        path.unlink()
    else:
        path.write_text(reference)
    done = grader("check", "c:sq_loss", "--bank", root, "--file", SQ_REFERENCE)
    assert done.code == 2 and "Traceback" not in done.stderr
    assert str(path) in done.stderr and says in done.stderr and "grader validate c:sq_loss" in done.stderr


def test_the_fingerprint_covers_the_checks_an_exercise_loads_from_a_sibling(tmp_path: Path) -> None:
    """mnist_distance's checks.py shares broadcast_distances' probes (`sibling`): editing those changes how
    mnist_distance is graded, so the gradebook must regrade it; another exercise's files do not."""
    from grader.bank.folder import Bank

    root = copy_bank(tmp_path, "broadcast_distances", "mnist_distance", "sq_loss")
    assert 'sibling(__file__, "broadcast_distances")' in (root / "exercises/mnist_distance/checks.py").read_text()
    before = Bank.open(root, "--bank").fingerprint("mnist_distance")
    with (root / "exercises/sq_loss/checks.py").open("a") as other:
        other.write("\n# another exercise's edit\n")
    assert Bank.open(root, "--bank").fingerprint("mnist_distance") == before
    with (root / "exercises/broadcast_distances/checks.py").open("a") as shared:
        shared.write("\nSAMPLED = 32  # the sibling's edit\n")
    assert Bank.open(root, "--bank").fingerprint("mnist_distance") != before


def test_regenerating_a_live_banks_frozen_data_keeps_its_fingerprint(tmp_path: Path) -> None:
    """A live bank's frozen data (`grader pack`) is made from its references: writing it anew regrades nobody.
    In a pack it is what the grade is decided from, so there it counts."""
    from grader.bank.folder import FROZEN, Bank

    root = copy_bank(tmp_path, "sq_loss")
    folder = root / "exercises/sq_loss"
    before = Bank.open(root, "--bank").fingerprint("sq_loss")
    for name in FROZEN:
        (folder / name).write_bytes(b"regenerated")
    assert Bank.open(root, "--bank").fingerprint("sq_loss") == before
    (folder / "checks.py").write_text((folder / "checks.py").read_text() + "\n# an edit\n")
    assert Bank.open(root, "--bank").fingerprint("sq_loss") != before
    (root / "pack.json").write_text("{}")
    packed = Bank.open(root, "--bank")
    assert packed.is_pack
    frozen = packed.fingerprint("sq_loss")
    (folder / "frozen.json").write_bytes(b"regenerated again")
    assert Bank.open(root, "--bank").fingerprint("sq_loss") != frozen
