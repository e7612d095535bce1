"""Reading a student's file: why a notebook cannot be read, in words they can act on."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from grader.submission import UnreadableSubmission, code_cells

# Strings with escapes and non-ASCII text, numbers with a sign, fraction and exponent, true, false and null.
NOTEBOOK = nbformat.writes(new_notebook(cells=[new_code_cell(
    'print("héllo")', execution_count=12,
    metadata={"collapsed": False, "scrolled": True, "lr": 1e-05, "x": -0.5, "y": None},
    outputs=[new_output("stream", name="stderr", text="\x1b[31mred\x1b[0m")])]))


def why(tmp_path: Path, content: str) -> str:
    """The reason code_cells gives for not reading `content` as a notebook."""
    path = tmp_path / "nb.ipynb"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(UnreadableSubmission) as caught:
        code_cells(path)
    found = re.search(r"not a readable Jupyter notebook \((.*?)\)\. ", str(caught.value))
    assert found, str(caught.value)
    return found.group(1)


def test_the_notebook_covers_every_kind_of_json_value():
    for piece in ['"print(\\"héllo\\")"', "\\u001b", ": 12,", "1e-05", "-0.5", "true", "false", "null"]:
        assert piece in NOTEBOOK


@pytest.mark.parametrize("ending", ["", "\n"], ids=["as cut", "newline added"])
def test_a_notebook_cut_off_anywhere_says_so(tmp_path: Path, ending: str):
    reasons = {end: why(tmp_path, NOTEBOOK[:end] + ending) for end in range(1, len(NOTEBOOK.rstrip()))}
    assert {end: reason for end, reason in reasons.items() if reason != "the file is cut off"} == {}


@pytest.mark.parametrize("cut_after", ['"print(\\"hé', '"\\u00', ': 1', ': -0.', ": 1e-", ": fal", ": nu"],
                         ids=["string", "escape", "integer", "fraction", "exponent", "false", "null"])
def test_a_notebook_cut_inside_a_value_is_cut_off(tmp_path: Path, cut_after: str):
    assert why(tmp_path, NOTEBOOK[:NOTEBOOK.index(cut_after) + len(cut_after)]) == "the file is cut off"


@pytest.mark.parametrize("old, new, line", [
    ('"collapsed": false,', '"collapsed": fals,', 8),
    ('"execution_count": 12,', '"execution_count": 12', 6),  # where the comma should have been: before "id"
    ('"execution_count": 12,', '"execution_count": 12;', 5),
    ('"lr": 1e-05,', '"lr": 1e-,', 9),
    ('"cell_type": "code"', '"cell_type": "co\nde"', 4),
    ('"cell_type": "code"', '"cell_type": "co\\qde"', 4),
    ("\\u001b[31m", "\\u00zz[31m", 19),
    ('"nbformat_minor": 5\n}', '"nbformat_minor": 5\n}}', 31),
], ids=["keyword", "missing comma", "semicolon", "exponent", "newline in a string", "bad escape",
        "bad unicode escape", "extra brace at the end"])
def test_a_notebook_with_a_syntax_error_says_where(tmp_path: Path, old: str, new: str, line: int):
    assert old in NOTEBOOK
    assert why(tmp_path, NOTEBOOK.replace(old, new, 1)) == f"invalid JSON at line {line}"


def test_a_notebook_cut_inside_a_character_is_cut_off_not_binary(tmp_path: Path):
    data = NOTEBOOK.encode()
    cut = data[:data.index("é".encode()) + 1]  # the first of its two bytes
    path = tmp_path / "nb.ipynb"
    path.write_bytes(cut)
    with pytest.raises(UnreadableSubmission, match=r"\(the file is cut off\)"):
        code_cells(path)
    path.write_bytes(cut + b"x")  # a byte that cannot follow: not UTF-8, not a cut
    with pytest.raises(UnreadableSubmission, match="not UTF-8"):
        code_cells(path)


UNREADABLE = {  # a file of each kind the grader cannot read, and the words its English message keeps
    "cut.ipynb": (b'{"cells": [', "the file is cut off"),
    "empty.ipynb": (b"", "the notebook is empty"),
    "latin1.ipynb": ("{'é': 1}".encode("latin-1"), "not UTF-8 text"),
    "broken.ipynb": (b'{"cells": [}', "invalid JSON at line 1"),
    "essay.docx": (b"PK", "is not a Jupyter notebook or a Python file"),
}


@pytest.mark.parametrize("name", UNREADABLE)
def test_why_a_file_cannot_be_read_is_said_in_the_students_language(tmp_path: Path, name: str):
    from test_japanese import english

    data, words = UNREADABLE[name]
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(UnreadableSubmission) as caught:
        code_cells(path)
    assert words in str(caught.value) and str(caught.value) == caught.value.said("en")
    japanese = caught.value.said("ja", shown=name)
    assert japanese.startswith(name) and str(tmp_path) not in japanese
    assert english(japanese) == [], japanese


def test_grader_check_says_an_unreadable_notebook_in_japanese(tmp_path: Path):
    from conftest import grader
    from test_japanese import english

    (tmp_path / "cut.ipynb").write_bytes(b'{"cells": [')
    run = grader("check", "sq_loss", "--file", tmp_path / "cut.ipynb", "--lang", "ja")
    assert run.code == 2 and "途中で切れています" in run.stderr, run.stderr
    assert english(run.stderr.removeprefix("grader: ")) == [], run.stderr
    run = grader("check", "sq_loss", "--file", tmp_path / "cut.ipynb", "--lang", "en")
    assert run.code == 2 and "the file is cut off" in run.stderr, run.stderr


def test_an_unreadable_submission_survives_pickling():
    """A process pool's worker may raise it: it arrives whole, still said in either language."""
    import pickle

    error = UnreadableSubmission("invalid_json", "s/nb.ipynb", line=3)
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), str(copy), copy.said("ja")) == (UnreadableSubmission, str(error), error.said("ja"))
