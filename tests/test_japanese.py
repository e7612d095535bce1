"""--lang ja speaks Japanese only: titles, observation keys and messages of the built-in exercises (every file
of the bank is checked by `japanese_leaks` in tests/test_bank.py, on its one grading); the default language;
message ids checked when an exercise loads."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from conftest import ROOT, copy_bank
from grader import bank
from grader.bank.config import BankError, BankInfo
from grader.bank.folder import Bank
from grader.i18n import check_title, default_language, title

NINE = ["sq_loss", "simple_graph", "my_linear", "broadcast_distances", "train_loop", "cnn_classifier",
        "mnist_distance", "mnist_loss", "batch_accuracy"]

# -- the detector: three or more English words in a row, outside code --------------------------

QUOTED = re.compile(r"`[^`\n]*`|'[^'\n]*'|\"[^\"\n]*\"")  # code and names the student wrote, quoted
TUPLE = re.compile(r"[(\[]\s*[\w.-]+\s*(?:,\s*[\w.-]*\s*)+[)\]]")  # a shape or a tuple: (out, in), [N, M]
WORD = re.compile(r"[A-Za-z]+(?:'[a-z]+)?")  # letters only: an identifier (x_1, nn.Linear, float32) is not a word
RUN = 3


def english(text: str) -> list[str]:
    """The runs of RUN or more English words in `text`, outside quotes and backquotes. A word is a
    whitespace-separated token made of letters alone (punctuation around it aside): identifiers, numbers,
    dtypes, shapes and operators are not words, and they end a run."""
    runs, run = [], []
    for token in TUPLE.sub(" | ", QUOTED.sub(" | ", text)).split():
        core = token.strip("()[]{},.;:!?")
        if WORD.fullmatch(core) and not any(ch in token for ch in "=*+/@<>|"):
            run.append(core)
            if token != core and token[-1] in ".;:!?)" :  # a sentence or a parenthesis ends here
                runs.append(run)
                run = []
            continue
        runs.append(run)
        run = []
    runs.append(run)
    return [" ".join(r) for r in runs if len(r) >= RUN]


@pytest.mark.parametrize("text", [
    "the value is not what was expected",
    "期待     float 0.5: expected a [N, 10] tensor of scores",
    "形状 (5,) の x での CNN()(x)（line 3 uses a for loop）",
    "未実行: 'shape' did not pass",
])
def test_the_detector_finds_an_english_sentence(text):
    assert english(text)


@pytest.mark.parametrize("text", [
    "形状 (4, 1) と (5,) の入力での sq_loss(y_true, y_prediction)",
    "torch.Tensor of shape (5,), float32",  # two words: a description made of types and shapes
    "コードが RuntimeError を送出しました: `shape is invalid for input`",
    "x @ self.weight.T + self.bias を計算してください",
    "N = M = 2000, D = 64 を時間内に計算する",
    "weight (out, in) と bias (out,) が nn.Parameter として登録されている",
    "1200 枚の数字画像で Adam（学習率 0.003、バッチサイズ 32）",
])
def test_the_detector_leaves_code_names_and_japanese_alone(text):
    assert english(text) == []


# -- a report rendered in Japanese (every file of the bank: tests/test_bank.py) -----------------

def _student_text(report: dict[str, Any]) -> list[str]:
    """What the student's code or file said, shown as it is: printed output, exception messages, code lines,
    the constructs and names found in their source."""
    found = []
    for test in report["tests"]:
        found += test["output"].splitlines()
        for part in (test["details"][name] for name in ("summary", "expected", "got", "where")):
            for key in ("message", "code", "construct", "names", "exception"):
                if part and isinstance(part.get(key), str) and part[key]:
                    found.append(part[key])
    return sorted({s for s in found if s.strip()}, key=len, reverse=True)


def _without(text: str, parts: list[str]) -> str:
    for part in parts:
        text = text.replace(part, " | ")
    return text


def _terminal(result: Any) -> str:
    from grader import report

    console = Console(file=io.StringIO(), width=1000, color_system=None)
    report.render(result, console, "ja")
    return console.file.getvalue()  # type: ignore[attr-defined]


def japanese_leaks(name: str, result: Any) -> list[str]:
    """The English sentences in `result` rendered in Japanese (JSON and terminal), each prefixed by `name`,
    leaving out what the student's own code or file said. `tests/test_bank.py` calls it on its one grading of
    every file of the bank (a report renders from data: no grading of its own here)."""
    from grader.report import to_json

    data = to_json(result, "ja")
    student = _student_text(data)
    texts = [data["title"]] + [t for test in data["tests"] for t in (test["name"], test["message"],
                                                                      test["hint"], test["details"]["called"])]
    texts += [cell["text"] for cell in data["cells"]] + [_terminal(result)]
    return [f"{name}: {run}" for text in texts for run in english(_without(text, student))]


# -- titles in the report's language ---------------------------------------------------------------

def test_titles_are_said_in_the_reports_language_and_stored_in_english():
    exercise = bank.get("sq_loss")
    assert exercise.title == "Squared error" and exercise.check("values").title == "elementwise values"
    assert title("sq_loss", "ja", exercise.title) == "二乗誤差"
    assert check_title("sq_loss", "values", "ja", "elementwise values") == "要素ごとの値"
    assert check_title("sq_loss", "values", "en", "elementwise values") == "elementwise values"
    # a report of an exercise not known here keeps the title it stored
    assert check_title("no_such_exercise", "values", "ja", "stored title") == "stored title"


def test_every_check_of_the_nine_has_a_japanese_title():
    for name in NINE:
        exercise = bank.get(name)
        for check in exercise.checks:
            said = check_title(name, check.id, "ja", "")
            assert said and not english(said), (name, check.id, said)
        assert not english(title(name, "ja", ""))


def test_a_missing_japanese_title_is_a_bank_error(tmp_path: Path):
    root = copy_bank(tmp_path, "sq_loss")
    text = root / "exercises" / "sq_loss" / "text.toml"
    text.write_text(text.read_text(encoding="utf-8").replace('values = "要素ごとの値"\n', ""), encoding="utf-8")
    with pytest.raises(BankError, match=r"text\.toml.*no \[ja\.checks\] title for values"):
        Bank.open(root, "test").load("sq_loss")


# -- message ids are checked when an exercise loads -----------------------------------------------

def test_an_id_missing_in_japanese_is_a_bank_error_naming_the_file_and_the_id(tmp_path: Path):
    root = copy_bank(tmp_path, "sq_loss")
    checks = root / "exercises" / "sq_loss" / "checks.py"
    checks.write_text(checks.read_text(encoding="utf-8") + '\nEXTRA = "sq_loss.call.nowhere"\n', encoding="utf-8")
    with pytest.raises(BankError, match=r"checks\.py: uses the message 'sq_loss\.call\.nowhere'"):
        Bank.open(root, "test").load("sq_loss")


def test_a_hint_missing_in_the_text_is_a_bank_error(tmp_path: Path):
    root = copy_bank(tmp_path, "sq_loss")
    checks = root / "exercises" / "sq_loss" / "checks.py"
    source = checks.read_text(encoding="utf-8").replace('hint="hint.sq_loss.square"', 'hint="hint.sq_loss.cube"')
    checks.write_text(source, encoding="utf-8")
    with pytest.raises(BankError, match=r"hint\.sq_loss\.cube"):
        Bank.open(root, "test").load("sq_loss")


# -- the default language ---------------------------------------------------------------------------

@pytest.mark.parametrize(("environ", "lang"), [
    ({}, "en"),
    ({"LANG": "ja_JP.UTF-8"}, "ja"),
    ({"LANG": "ja_JP.UTF-8", "LC_ALL": "C.UTF-8"}, "en"),  # LC_ALL wins
    ({"LANG": "en_US.UTF-8", "LC_MESSAGES": "ja_JP"}, "ja"),
])
def test_the_locale_decides_where_the_bank_does_not(environ, lang):
    assert default_language(None, environ) == lang
    assert default_language("en", environ) == "en"
    assert default_language("ja", {}) == "ja"


def test_the_suite_runs_under_an_english_locale():
    """conftest pins the locale: on a Japanese developer's machine the suite expects what it expects here."""
    assert default_language() == "en"


def test_a_bank_that_sets_no_language_says_so():
    assert BankInfo().lang is None
    assert BankInfo(lang="ja").lang == "ja"


def _check(*args: str | Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("LANG", "LC_ALL", "LC_MESSAGES")}
    return subprocess.run([sys.executable, "-m", "grader", "check", *map(str, args)], cwd=ROOT, text=True,
                          capture_output=True, env={**base, "PYTHONPATH": str(ROOT), **env}, timeout=120)


def test_check_speaks_the_locales_language_the_banks_and_the_options(tmp_path: Path):
    stub = ROOT / "exercises" / "sq_loss.py"
    assert "二乗誤差" in _check("sq_loss", "--file", stub, env={"LANG": "ja_JP.UTF-8"}).stdout
    assert "Squared error" in _check("sq_loss", "--file", stub, env={"LANG": "C.UTF-8"}).stdout
    root = copy_bank(tmp_path, "sq_loss")
    (root / "torchgrader.toml").write_text('[bank]\nname = "course"\nlang = "en"\n')
    done = _check("course:sq_loss", "--bank", root, "--file", stub, env={"LANG": "ja_JP.UTF-8"})
    assert "Squared error" in done.stdout, done.stderr  # the bank's language before the locale's
    done = _check("course:sq_loss", "--bank", root, "--file", stub, "--lang", "ja", env={})
    assert "二乗誤差" in done.stdout, done.stderr  # --lang before the bank's


# -- grader.check() in a notebook: the language as the CLI decides it ---------------------------------------

def _locale(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANG", value)


class _Kernel:
    """A Jupyter kernel's shell as grader.notebook_session sees it: the stub's cell has been run."""

    kernel = object()

    class history_manager:  # noqa: N801 - IPython's attribute
        input_hist_raw = ["", (ROOT / "exercises" / "sq_loss.py").read_text(encoding="utf-8")]


@pytest.mark.parametrize("where", ["kernel", "file"])
@pytest.mark.parametrize(("locale", "said", "unsaid"), [("ja_JP.UTF-8", "二乗誤差", "Squared error"),
                                                        ("C.UTF-8", "Squared error", "二乗誤差")])
def test_grader_check_speaks_the_locales_language_in_a_notebook(monkeypatch, where, locale, said, unsaid):
    from grader import api, notebook_session

    _locale(monkeypatch, locale)
    if where == "kernel":  # grader.check('sq_loss') in a notebook cell: the cells run so far, graded apart
        monkeypatch.setattr(notebook_session, "_shell", _Kernel)
        report = api.check("sq_loss")
    else:
        report = api.check("sq_loss", file=ROOT / "exercises" / "sq_loss.py")
    shown = report._repr_html_()  # what Jupyter displays
    assert said in shown and unsaid not in shown
    words = re.sub(r"<[^>]*>", "\n", shown)
    assert not english(words) if locale.startswith("ja") else english(words)


def test_grader_check_takes_its_language_as_the_cli_does(monkeypatch, tmp_path: Path):
    from grader import api
    from grader.errors import BadOption

    root = copy_bank(tmp_path, "sq_loss")
    (root / "torchgrader.toml").write_text('[bank]\nname = "course"\nlang = "en"\n')
    monkeypatch.setenv("GRADER_BANK", str(root))
    _locale(monkeypatch, "ja_JP.UTF-8")
    assert api.language(exercises=["course:sq_loss"]) == "en"  # the bank's language before the locale's
    assert api.language("ja", exercises=["course:sq_loss"]) == "ja"  # the caller's before the bank's
    assert api.language(exercises=["no_such_exercise"]) == "ja"  # the locale's
    _locale(monkeypatch, "C.UTF-8")
    assert api.language() == "en"
    with pytest.raises(BadOption, match="--lang fr: no such language. Known: en, ja"):
        api.language("fr")
