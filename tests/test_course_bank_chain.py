"""The issue's "done when", end to end: a course bank made with `grader new`, edited as an instructor would,
validated, packed, and its pack installed in a fresh venv, where it grades a student file (`grader check
--lang ja`) and a class of notebooks (`grader grade --lang ja`) on the local pool and on a Dask LocalCluster.

Every link is a real command in a subprocess; nothing of the grader is mocked. One test function, so that
`pytest -n 2` builds the venv once."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import sysconfig
import threading
from pathlib import Path
from typing import Any

import nbformat
import pytest
from conftest import ROOT, build_wheel, grader
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from test_html_report import Words
from test_japanese import english

EXERCISE = "softmax_rows"
BANK = "dl_course"
MISTAKE_JA = "各行ではなく各列（dim=0）で正規化しています。"
STUDENTS = ("ann", "ben", "cat")  # right, the known mistake, a notebook that is not JSON

CONFIG = f'''\
[bank]
name = "{BANK}"
title = "Deep learning course"

[[assignments]]
name = "week1"
title = "Week 1: probabilities"
exercises = ["{EXERCISE}"]
setup = "import torch"
'''

STUB = '''\
"""softmax_rows: each row of a matrix of scores turned into probabilities.

Fill in the body of `softmax_rows`, then run `grader check softmax_rows`.
"""

import torch


def softmax_rows(scores):
    """The softmax of each row of `scores` [N, C]: exp of each score, divided by its row's sum.

    Returns a tensor shaped like `scores`, each row summing to 1, connected to the autograd graph.
    """
    raise NotImplementedError("`softmax_rows`")
'''

REFERENCE = '''\
"""Reference solution of softmax_rows."""

import torch


def softmax_rows(scores):
    """exp(s - max) / sum(exp(s - max)) over each row (the shift keeps exp from overflowing)."""
    shifted = scores - scores.amax(dim=1, keepdim=True)
    exps = shifted.exp()
    return exps / exps.sum(dim=1, keepdim=True)
'''

CHECKS = '''\
"""softmax_rows: the probabilities of each row, and the gradient that reaches the scores."""

from __future__ import annotations

from typing import Any

from grader import keys
from grader.probes import Run, backward, grad_of
from grader.spec import Check, Exercise, rand

CASES = [rand(4, 3, seed=1), rand(2, 5, seed=2)]  # not square: a softmax over the columns cannot pass


def _probabilities(run: Run) -> dict[str, Any]:
    softmax_rows = run.get("softmax_rows")
    out = {}
    for spec in CASES:
        scores = run.make(spec)
        out[keys.call("softmax_rows.call", shape=keys.shapes(scores))] = run.call(softmax_rows, scores)
    return out


def _gradients(run: Run) -> dict[str, Any]:
    softmax_rows = run.get("softmax_rows")
    scores = run.make(rand(3, 4, seed=3)).requires_grad_(True)
    called = keys.call("softmax_rows.call", shape=keys.shapes(scores))
    result = run.call(softmax_rows, scores)
    out = {called: result}
    if backward(result):
        out[keys.gradient("scores", of=called)] = grad_of(scores)
    return out


EXERCISE = Exercise(
    name="softmax_rows",
    source="a course's week 1",
    entry=("softmax_rows",),
    checks=(
        Check(id="values", points=2, probe=_probabilities, hint="rows"),
        Check(id="grad", points=1, probe=_gradients, needs=("values",), hint="graph"),
    ),
)
'''

TEXT = '''\
[en]
title = "Softmax of each row"

[en.checks]
values = "probabilities of each row"
grad = "gradient w.r.t. scores"

[en.messages]
"call" = "softmax_rows(scores) with scores of shape {shape}"
"hint.rows" = "each row should sum to 1: divide by the sum over dim=1, the row's scores."
"hint.graph" = "keep the result on the autograd graph: no .detach(), .item() or NumPy."

[ja]
title = "各行のソフトマックス"

[ja.checks]
values = "各行の確率"
grad = "scores に関する勾配"

[ja.messages]
"call" = "softmax_rows(scores)（scores の形状 {shape}）"
"hint.rows" = "各行の和が 1 になるように、dim=1（その行のスコア）の和で割ってください。"
"hint.graph" = "結果を自動微分のグラフにつないだままにしてください（.detach()、.item()、NumPy は使わない）。"
'''

MUTANT_COLUMNS = f'''\
"""Mistake: normalises each column (dim=0) instead of each row.
間違い: {MISTAKE_JA}
Caught by: values."""

import torch


def softmax_rows(scores):
    exps = scores.exp()
    return exps / exps.sum(dim=0, keepdim=True)
'''

MUTANT_DETACHED = '''\
"""Mistake: computes the probabilities from scores.detach(), so no gradient reaches the scores.
間違い: scores.detach() から確率を計算しているため、scores に勾配が届きません。
Caught by: grad."""

import torch


def softmax_rows(scores):
    return torch.softmax(scores.detach(), dim=1)
'''

ALTERNATE = '''\
"""Correct: torch.softmax over dim=1."""

import torch


def softmax_rows(scores):
    return torch.softmax(scores, dim=1)
'''

WRONG_ALTERNATE = '''\
"""Not correct: normalises over every element of the matrix, not each row."""


def softmax_rows(scores):
    return scores.exp() / scores.exp().sum()
'''

# What students hand in: the right answer (torch comes from the assignment's setup), the known mistake
# written another way, and a notebook that is not JSON.
STUDENT_RIGHT = "def softmax_rows(scores):\n    return torch.nn.functional.softmax(scores, dim=-1)\n"
STUDENT_COLUMNS = "import torch\n\ndef softmax_rows(scores):\n    return torch.softmax(scores, dim=0)\n"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _course_bank(folder: Path) -> Path:
    """`grader new` in a course's folder, then every file rewritten as the instructor would."""
    root = folder / "course"
    _write(root / "torchgrader.toml", CONFIG)
    made = grader("new", EXERCISE, "--bank", root)
    assert made.code == 0, made.stdout + made.stderr
    assert "0 violations" in made.stdout
    ex = root / "exercises" / EXERCISE
    for old in (*ex.glob("mutants/*.py"), *ex.glob("alternates/*.py")):
        old.unlink()  # the scaffold's relu example
    _write(root / "exercises" / f"{EXERCISE}.py", STUB)
    _write(root / "reference_solutions" / f"{EXERCISE}.py", REFERENCE)
    _write(ex / "checks.py", CHECKS)
    _write(ex / "text.toml", TEXT)
    _write(ex / "mutants" / "columns.py", MUTANT_COLUMNS)
    _write(ex / "mutants" / "detached.py", MUTANT_DETACHED)
    _write(ex / "alternates" / "functional.py", ALTERNATE)
    return root


def _validates(root: Path) -> None:
    """0 violations for the edited bank; a wrong "alternate" is a violation (the validation can fail)."""
    ok = grader("validate", "--bank", root)
    assert ok.code == 0, ok.stdout + ok.stderr
    assert "5 files graded, 0 violations" in ok.stdout, ok.stdout
    wrong = root / "exercises" / EXERCISE / "alternates" / "all_elements.py"
    _write(wrong, WRONG_ALTERNATE)
    try:
        bad = grader("validate", "--bank", root)
    finally:
        wrong.unlink()
    assert bad.code == 1, bad.stdout + bad.stderr
    assert "6 files graded, 1 violation" in bad.stdout, bad.stdout
    row = next(line for line in bad.stdout.splitlines() if "all_elements" in line)
    assert "VIOLATION" in row and "alternate lost points" in row, bad.stdout


def _venv(folder: Path) -> Path:
    """A fresh venv with the grader's wheel installed. Its dependencies, pip and setuptools come from this
    environment (offline, a venv's own bundled setuptools cannot build the pack: it has no bdist_wheel)."""
    venv = folder / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    # torch, dask, pip and the rest from this environment (a path, not its .pth files: not its grader)
    Path(site, "_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _pip(python, str(build_wheel(folder)), "--no-deps")
    return venv


def _pip(python: Path, *args: str) -> None:
    done = subprocess.run([python, "-m", "pip", "install", "-q", "--no-index", "--no-build-isolation", *args],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def _site(venv: Path) -> Path:
    return next((venv / "lib").glob("python3*/site-packages"))


class _Student:
    """Commands run in the venv, from a work folder that is not the course's repository."""

    def __init__(self, venv: Path, work: Path) -> None:
        self.venv, self.work = venv, work
        self.env = {**{k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "GRADER_BANK")},
                    "COLUMNS": "120"}

    def grader(self, *args: str | Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run([self.venv / "bin" / "grader", *map(str, args)], cwd=self.work, env=self.env,
                              capture_output=True, text=True, timeout=timeout)


def _no_answers_installed(venv: Path) -> None:
    """Neither the grader's wheel nor the installed pack carries a reference, mutant or alternate's source."""
    site = _site(venv)
    installed = [p for p in site.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                 and (p.relative_to(site).parts[0].startswith(("grader", "torchgrader")))]
    leaks = [str(p) for p in installed if {"reference_solutions", "mutants", "alternates"} & set(p.parts)
             or p.name == "hidden.py"]
    assert not leaks, leaks
    pack = site / f"torchgrader_pack_{BANK}"
    assert (pack / "exercises" / EXERCISE / "checks.py").is_file(), sorted(pack.rglob("*"))
    answers = {"reference": "amax(dim=1, keepdim=True)", "mutant": "exps.sum(dim=0",
               "alternate": "torch.softmax(scores, dim=1)"}
    for path in (p for p in installed if p.suffix in (".py", ".json", ".toml")):
        text = path.read_text(encoding="utf-8", errors="replace")
        found = [role for role, code in answers.items() if code in text]
        assert not found, (path, found)


def _notebook(path: Path, *cells: str) -> None:
    nbformat.write(new_notebook(cells=[new_markdown_cell("# 第1週")] + [new_code_cell(c) for c in cells]), str(path))


def _comparable(data: Any) -> Any:
    """A students/<id>.json without its timings."""
    if isinstance(data, dict):
        return {k: _comparable(v) for k, v in data.items() if k != "duration"}
    if isinstance(data, list):
        return [_comparable(v) for v in data]
    return data


def _feedback(out: Path, name: str) -> str:
    """What the student reads: the .md and .html feedback `grader grade` wrote."""
    return "\n".join((out / "students" / f"{name}{suffix}").read_text(encoding="utf-8") for suffix in (".md", ".html"))


def _japanese_only(text: str, where: str) -> None:
    assert not english(text), (where, english(text), text)


def _squeezed(text: str) -> str:
    return re.sub(r"[\s│┃]+", "", text)


def _dask_cluster(student: _Student) -> tuple[subprocess.Popen[str], str]:
    """A Dask LocalCluster (one worker process) started by the venv's Python in the student's folder; its
    scheduler's address. Its worker must grade with the venv's grader (not a checkout's on its path)."""
    code = ("import sys\nfrom distributed import Client, LocalCluster\n"
            "with LocalCluster(n_workers=1, threads_per_worker=2, processes=True, dashboard_address=None) as c:\n"
            "    with Client(c) as client:\n"
            "        where = client.run(lambda: __import__('grader').__file__)\n"
            "    print(c.scheduler_address, *where.values(), flush=True)\n    sys.stdin.read()\n")
    cluster = subprocess.Popen([student.venv / "bin" / "python", "-c", code], cwd=student.work, env=student.env,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert cluster.stdout is not None
    try:
        address, *workers = cluster.stdout.readline().split() or [""]
        assert address.startswith("tcp://") and len(workers) == 1, (address, workers)
        assert Path(workers[0]).is_relative_to(student.venv), workers
    except BaseException:
        cluster.kill()
        cluster.communicate()
        raise
    return cluster, address


@pytest.mark.slow
def test_a_course_bank_goes_from_grader_new_to_a_graded_class_in_a_students_venv(tmp_path: Path) -> None:
    # 1-2. the instructor writes the exercise; the bank validates, and a wrong alternate would not
    root = _course_bank(tmp_path)
    _validates(root)

    # 3. the pack, installed in a fresh venv beside the grader's wheel; the student works elsewhere
    packed = grader("pack", "--bank", root, "--out", tmp_path / "pack")
    assert packed.code == 0, packed.stdout + packed.stderr
    venv = _venv(tmp_path)
    _pip(venv / "bin" / "python", str(tmp_path / "pack"))
    _no_answers_installed(venv)
    work = tmp_path / "student"
    work.mkdir()
    student = _Student(venv, work)
    listed = student.grader("list")
    assert listed.returncode == 0, listed.stdout + listed.stderr
    assert BANK in listed.stdout and EXERCISE in listed.stdout and "week1" in listed.stdout, listed.stdout

    # 4. a student file with --lang ja: nothing said in English; the right one gets full marks
    _write(work / "wrong.py", STUDENT_COLUMNS)
    wrong = student.grader("check", EXERCISE, "--file", "wrong.py", "--lang", "ja")
    assert wrong.returncode == 1, wrong.stdout + wrong.stderr
    _japanese_only(wrong.stdout + wrong.stderr, "grader check --lang ja")
    wrong_json = json.loads(student.grader("check", EXERCISE, "--file", "wrong.py", "--lang", "ja", "--json").stdout)
    assert [(t["status"], t["score"]) for t in wrong_json["tests"]] == [("failed", 0), ("skipped", 0)], wrong_json
    _write(work / "right.py", "import torch\n\n" + STUDENT_RIGHT)
    right = student.grader("check", EXERCISE, "--file", "right.py", "--json")
    assert right.returncode == 0, right.stdout + right.stderr
    assert json.loads(right.stdout)["score"] == json.loads(right.stdout)["max_score"] == 3

    # 5. a class of notebooks, on the local pool and on a Dask LocalCluster: the same results
    folder = work / "class"
    folder.mkdir()
    _notebook(folder / "ann.ipynb", "x = 1  # torch comes from the assignment's setup", STUDENT_RIGHT)
    _notebook(folder / "ben.ipynb", STUDENT_COLUMNS)
    (folder / "cat.ipynb").write_text('{"cells": [', encoding="utf-8")
    common = ("grade", "class", "--assignment", "week1", "--lang", "ja", "--quiet")
    local = student.grader(*common, "--out", "local", "--workers", "2")
    assert local.returncode == 1, local.stdout + local.stderr  # cat's notebook could not be read
    cluster, address = _dask_cluster(student)
    try:
        dask = student.grader(*common, "--out", "dask", "--scheduler", address)
    finally:
        cluster.communicate(timeout=60)  # its stdin closed: the cluster shuts down
    assert dask.returncode == 1, dask.stdout + dask.stderr
    graded = {name: json.loads((work / "local" / "students" / f"{name}.json").read_text(encoding="utf-8"))
              for name in STUDENTS}
    assert [(graded[n]["status"], graded[n]["score"], graded[n]["max_score"]) for n in STUDENTS] == [
        ("graded", 3.0, 3.0), ("graded", 0.0, 3.0), ("error", 0.0, 3.0)], graded
    assert graded["ben"]["exercises"][0]["exercise"] == EXERCISE
    for name in STUDENTS:
        on_dask = json.loads((work / "dask" / "students" / f"{name}.json").read_text(encoding="utf-8"))
        assert _comparable(on_dask) == _comparable(graded[name]), name
    for out in ("local", "dask"):
        for name in ("ann", "ben"):
            _japanese_only(_feedback(work / out, name), f"{out}/students/{name}")
        page = (work / out / "report.html").read_text(encoding="utf-8")
        assert '<html lang="ja">' in page
        _japanese_only("\n".join(Words(page).texts), f"{out}/report.html")

    # 6. known-mistake feedback from the installed pack names the bank's mutant, in Japanese (from the check and
    # in the class's feedback), and what cannot be read is said in Japanese too
    assert _squeezed(MISTAKE_JA) in _squeezed(wrong.stdout), wrong.stdout
    assert MISTAKE_JA in wrong_json["tests"][0]["message"], wrong_json["tests"][0]
    for out in ("local", "dask"):
        assert MISTAKE_JA in _feedback(work / out, "ben"), out
        _japanese_only(graded["cat"]["message"] + _feedback(work / out, "cat"), f"{out}/students/cat")


def test_threads_that_load_one_checks_file_at_once_all_get_it_whole(tmp_path: Path) -> None:
    """A Dask worker grades two students in two threads: both load the bank's checks.py at once (the chain above
    found one getting the module half-imported, without its EXERCISE)."""
    from grader.bank.folder import checks_module

    checks = tmp_path / "exercises" / "slow_import" / "checks.py"
    _write(checks, "import time\ntime.sleep(0.3)\nEXERCISE = 'loaded'\n")
    got: list[object] = []

    def load() -> None:
        got.append(getattr(checks_module(checks), "EXERCISE", "half-imported"))

    threads = [threading.Thread(target=load) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert got == ["loaded"] * 3
