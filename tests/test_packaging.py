"""The package as users get it: public names, and a wheel that carries the exercises."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import grader
from conftest import EXERCISES, ROOT


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


def test_wheel_carries_stubs_references_and_mutants(tmp_path: Path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True, capture_output=True,
    )
    (wheel,) = tmp_path.glob("torchgrader-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for exercise in EXERCISES:
        assert f"grader/builtin_bank/exercises/{exercise}.py" in names
        assert f"grader/builtin_bank/reference_solutions/{exercise}.py" in names
        assert f"grader/builtin_bank/exercises/{exercise}/checks.py" in names
        assert f"grader/builtin_bank/exercises/{exercise}/text.toml" in names
    assert "grader/builtin_bank/torchgrader.toml" in names
    assert "grader/builtin_bank/exercises/sq_loss/mutants/mean_reduction.py" in names
