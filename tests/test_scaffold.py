"""`grader new NAME`: a new exercise that validates at once, and clear refusals."""

from __future__ import annotations

import shlex
import tomllib
from pathlib import Path

import pytest
from conftest import copy_bank, grader

from grader.scaffold import bank_name_for

FILES = ("exercises/my_relu.py", "reference_solutions/my_relu.py", "exercises/my_relu/checks.py",
         "exercises/my_relu/text.toml", "exercises/my_relu/mutants/absolute_value.py",
         "exercises/my_relu/alternates/where_positive.py")


def test_new_in_an_empty_folder_makes_a_bank_whose_exercise_validates(tmp_path):
    folder = tmp_path / "Deep-Learning 101"
    folder.mkdir()
    run = grader("new", "my_relu", "--bank", folder)
    assert run.code == 0, run.stdout + run.stderr
    assert tomllib.loads((folder / "torchgrader.toml").read_text())["bank"]["name"] == "deep_learning_101"
    for rel in FILES:
        assert (folder / rel).is_file(), rel
    assert "4 files graded, 0 violations" in run.stdout
    assert "VIOLATION" not in run.stdout
    assert f"grader validate --bank {shlex.quote(str(folder))} my_relu" in run.stdout  # what to do next

    again = grader("validate", "--bank", folder, "my_relu")  # the author's own command agrees
    assert again.code == 0 and "4 files graded, 0 violations" in again.stdout


def test_the_scaffold_grades_its_mutant_and_stub_as_a_student_reads_them(tmp_path):
    assert grader("new", "clip_neg", "--bank", tmp_path).code == 0
    mutant = grader("check", "clip_neg", "--bank", tmp_path, "--json",
                    "--file", tmp_path / "exercises/clip_neg/mutants/absolute_value.py").json
    statuses = {t["id"] if "id" in t else t["name"]: t["status"] for t in mutant["tests"]}
    assert mutant["score"] == 1 and mutant["max_score"] == 3, statuses
    values = next(t for t in mutant["tests"] if t["name"] == "elementwise values")
    assert "clip_neg(x) with x of shape (5,)" in values["message"]  # keys.call said in words
    assert "negative elements should become 0" in values["hint"]
    ja = grader("check", "clip_neg", "--bank", tmp_path, "--lang", "ja",
                "--file", tmp_path / "exercises/clip_neg/mutants/absolute_value.py")
    assert "clip_neg(x)（x の形状 (5,)）" in ja.stdout and "要素ごとの値" in ja.stdout


def test_new_in_an_existing_bank_found_from_the_current_folder(tmp_path):
    root = copy_bank(tmp_path, "sq_loss")
    config = (root / "torchgrader.toml").read_text()
    run = grader("new", "second", cwd=root / "exercises")
    assert run.code == 0, run.stdout + run.stderr
    assert (root / "exercises/second/checks.py").is_file()
    assert (root / "torchgrader.toml").read_text() == config  # an existing config is left alone
    listed = grader("list", "--bank", root)
    assert "second" in listed.stdout and "sq_loss" in listed.stdout


@pytest.mark.parametrize(("args", "needle"), [
    (("new", "Bad-Name"), "lower-case letters"),
    (("new", "class"), "not a Python keyword"),
    (("new", "torch"), "would hide it from the student's imports"),
    (("new", "hint"), "the grader's own"),
    (("new", "sq_loss"), "exists already"),
    (("new", "x", "--bank", "missing"), "not a folder"),
], ids=["bad_name", "keyword", "library", "grader_word", "existing", "not_a_folder"])
def test_new_refuses_with_one_line_and_writes_nothing(tmp_path, args, needle):
    root = copy_bank(tmp_path, "sq_loss")
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    run = grader(*args, cwd=root)
    assert run.code == 2, run.stdout + run.stderr
    assert needle in run.stderr and len(run.stderr.strip().splitlines()) == 1
    assert "Traceback" not in run.stderr
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before


def test_new_without_a_bank_above_says_to_pass_one(tmp_path):
    run = grader("new", "my_relu", cwd=tmp_path)
    assert run.code == 2 and "pass --bank DIR" in run.stderr
    assert not (tmp_path / "exercises").exists()


@pytest.mark.parametrize(("folder", "name"), [
    ("course", "course"), ("My-Course 2026", "my_course_2026"), ("2026", "bank_2026"), ("---", "bank")])
def test_a_new_banks_name_comes_from_its_folder(tmp_path, folder, name):
    assert bank_name_for(Path(tmp_path / folder)) == name
