"""The package as users get it: public names, and a wheel that carries the exercises."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import grader
from conftest import EXERCISES, ROOT, build_wheel


def test_all_lists_exactly_the_public_names():
    for name in grader.__all__:
        assert getattr(grader, name) is not None
    assert set(grader.__all__) - {"__version__"} == set(grader._EXPORTS)


def test_importing_grader_imports_neither_torch_nor_the_cli():
    code = "import sys, grader; assert not {'torch', 'typer', 'pydantic'} & set(sys.modules), sorted(sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_english_and_japanese_have_the_same_messages_and_placeholders():
    import string

    from grader.i18n import en, ja

    assert set(en.MESSAGES) == set(ja.MESSAGES)
    fields = lambda s: {f for _, f, _, _ in string.Formatter().parse(s) if f}  # noqa: E731
    for key, english in en.MESSAGES.items():
        assert fields(english) == fields(ja.MESSAGES[key]), key


def test_wheel_carries_the_builtin_bank_as_a_pack_without_answers(tmp_path: Path):
    wheel = zipfile.ZipFile(build_wheel(tmp_path))
    names = set(wheel.namelist())
    for exercise in EXERCISES:
        parts = [f"{exercise}.py", *(f"{exercise}/{part}" for part in (
            "checks.py", "text.toml", "frozen.json", "frozen.pt.xz", "mistakes.json", "mistakes.pt.xz"))]
        for part in parts:  # the checkout's own files, mapped into the pack
            assert wheel.read(f"grader/builtin_pack/exercises/{part}") == (ROOT / "exercises" / part).read_bytes()
    assert wheel.read("grader/builtin_pack/torchgrader.toml") == (ROOT / "torchgrader.toml").read_bytes()
    assert wheel.read("grader/builtin_pack/pack.json") == (ROOT / "grader/builtin_pack/pack.json").read_bytes()
    leaks = [n for n in names if "reference_solutions" in n or "/mutants/" in n or "/alternates/" in n
             or n.endswith("/hidden.py") or "builtin_bank" in n]
    assert not leaks, leaks


def test_the_checkout_keeps_the_builtin_pack_once():
    """grader/builtin_pack holds its pack.json alone: the exercises and their frozen data are exercises/'s."""
    kept = sorted(p.name for p in (ROOT / "grader/builtin_pack").iterdir() if p.name != "__pycache__")
    assert kept == ["__init__.py", "pack.json"]
    packed = json.loads((ROOT / "grader/builtin_pack/pack.json").read_text())["exercises"]
    assert packed == sorted(p.parent.name for p in (ROOT / "exercises").glob("*/checks.py"))
    for exercise in packed:
        assert (ROOT / "exercises" / exercise / "frozen.json").is_file(), exercise


@pytest.mark.slow
def test_the_installed_wheel_grades_every_builtin_exercise_from_its_pack(tmp_path: Path):
    import sysconfig

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    # torch and the other dependencies from this environment (a path, not its .pth files: not its grader)
    Path(site, "_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q",
                    str(build_wheel(tmp_path))], check=True, capture_output=True)
    work = tmp_path / "student"
    (work / "exercises").mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "GRADER_BANK")}
    where = subprocess.run([python, "-c", "import grader.bank as b; print(b.builtin_root())"], cwd=work, env=env,
                           check=True, capture_output=True, text=True).stdout.strip()
    assert where.startswith(str(venv)) and where.endswith("builtin_pack")
    for exercise in EXERCISES:
        shutil.copy(ROOT / "reference_solutions" / f"{exercise}.py", work / "exercises")
        done = subprocess.run([venv / "bin" / "grader", "check", exercise, "--json"], cwd=work, env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, (exercise, done.stdout[-2000:], done.stderr[-2000:])
        got = json.loads(done.stdout)
        assert got["score"] == got["max_score"] > 0, exercise
    stub = subprocess.run([venv / "bin" / "grader", "check", "my_linear", "--json", "--file",
                           str(ROOT / "exercises" / "my_linear.py")], cwd=work, env=env,
                          capture_output=True, text=True, timeout=300)
    assert stub.returncode == 1 and json.loads(stub.stdout)["score"] == 0
    assert json.loads(stub.stdout)["hidden_later"] == {"checks": 1, "points": 1.0}  # the pack left it out
