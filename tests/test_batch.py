"""`grader grade`: a class folder graded into DIR, bad input per student, resumable gradebook, Dask."""

from __future__ import annotations

import builtins
import io
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT, grader
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from grader.batch import submissions
from grader.batch.grading import Settings
from grader.batch.names import student_file_name
from grader.batch.run import Plan, grade_class

REFERENCE = ROOT / "reference_solutions"
SQ_LOSS = (REFERENCE / "sq_loss.py").read_text()
SIMPLE_GRAPH = (REFERENCE / "simple_graph.py").read_text()
EXERCISES = ("sq_loss", "simple_graph")
MAX = {"sq_loss": 4.0, "simple_graph": 5.0}


def notebook(path: Path, *cells: str) -> Path:
    nbformat.write(new_notebook(cells=[new_markdown_cell("# Homework")] + [new_code_cell(c) for c in cells]), str(path))
    return path


def grade(submissions: Path, out: Path, **options) -> object:
    settings = Settings(cell_timeout=options.pop("cell_timeout", 2.0))
    return grade_class(Plan(submissions=submissions, exercises=EXERCISES, out=out, settings=settings,
                            workers=2, **options))


def student(out: Path, name: str) -> dict:
    return json.loads((out / "students" / f"{name}.json").read_text())


def scores(data: dict) -> dict[str, float]:
    return {e["exercise"]: e["score"] for e in data["exercises"]}


@pytest.fixture(scope="module")
def bad_class(tmp_path_factory) -> tuple[Path, Path, object]:
    """One class holding every kind of bad input the issue lists, graded once."""
    folder = tmp_path_factory.mktemp("class")
    notebook(folder / "good.ipynb", "import torch", SQ_LOSS, SIMPLE_GRAPH)
    (folder / "truncated.ipynb").write_text(json.dumps(nbformat.v4.new_notebook(cells=[new_code_cell(SQ_LOSS)]))[:80])
    (folder / "garbage.ipynb").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (folder / "essay.docx").write_bytes(b"PK\x03\x04 not a notebook")
    (folder / "empty").mkdir()
    notebook(folder / "twice.ipynb", SQ_LOSS)
    (folder / "twice.py").write_text(SQ_LOSS)
    notebook(folder / "other_homework.ipynb", "import torch", "def unrelated(x):\n    return x")
    notebook(folder / "loops.ipynb", "import torch", SQ_LOSS, "while True:\n    pass", SIMPLE_GRAPH)
    notebook(folder / "raises_first.ipynb", "import torch", "raise RuntimeError('data not found')", SQ_LOSS,
             SIMPLE_GRAPH)
    big = new_notebook(cells=[new_code_cell("import torch"), new_code_cell(SQ_LOSS), new_code_cell(SIMPLE_GRAPH)])
    big.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text="x" * (50 * 2**20))]
    nbformat.write(big, str(folder / "huge_outputs.ipynb"))
    out = tmp_path_factory.mktemp("out")
    summary = grade(folder, out)
    return folder, out, summary


def test_every_student_gets_the_contract_json(bad_class):
    folder, out, summary = bad_class
    names = sorted(p.stem for p in (out / "students").glob("*.json"))
    assert names == ["empty", "essay", "garbage", "good", "huge_outputs", "loops", "other_homework",
                     "raises_first", "truncated", "twice"]
    for name in names:
        data = student(out, name)
        assert list(data)[:6] == ["student", "status", "score", "max_score", "exercises", "message"]
        assert data["student"] == name and data["status"] in ("graded", "error")
        assert [e["exercise"] for e in data["exercises"]] == list(EXERCISES)  # listed, even at 0
        assert data["max_score"] == sum(MAX.values())
        assert data["score"] == sum(e["score"] for e in data["exercises"])


@pytest.mark.parametrize("name, needle", [
    ("truncated", "cut off"),
    ("garbage", "not a Jupyter notebook"),
    ("essay", "not a Jupyter notebook or a Python file"),
    ("empty", "holds no notebook"),
    ("twice", "several submissions"),
])
def test_unreadable_submissions_are_errors_that_say_why(bad_class, name, needle):
    _, out, _ = bad_class
    data = student(out, name)
    assert data["status"] == "error" and data["score"] == 0
    assert needle in data["message"]
    assert str(out) not in data["message"]  # no grader paths in what the student reads


@pytest.mark.parametrize("name", ["good", "loops", "raises_first", "huge_outputs"])
def test_what_is_defined_is_graded_whatever_else_the_notebook_does(bad_class, name):
    _, out, _ = bad_class
    data = student(out, name)
    assert data["status"] == "graded" and scores(data) == MAX


def test_a_notebook_without_the_exercises_is_graded_zero_with_a_reason(bad_class):
    _, out, _ = bad_class
    data = student(out, "other_homework")
    assert data["status"] == "graded" and data["score"] == 0
    assert data["exercises"][0]["tests"][0]["details"]["summary"]["id"] == "missing_name_notebook"


def test_failed_cells_are_reported_to_the_student(bad_class):
    _, out, _ = bad_class
    cells = student(out, "raises_first")["exercises"][0]["cells"]
    assert [(c["cell"], c["exception"]) for c in cells] == [(2, "RuntimeError")]
    assert "data not found" in (out / "students" / "raises_first.md").read_text()


def test_the_summary_counts_what_could_not_be_graded(bad_class):
    _, out, summary = bad_class
    assert (summary.total, summary.errors, summary.full_marks) == (10, 5, 4)
    assert sorted(summary.error_students) == ["empty", "essay", "garbage", "truncated", "twice"]
    assert (out / "report.html").is_file()


def test_the_gradebook_has_one_row_per_student_exercise_and_check(bad_class):
    _, out, _ = bad_class
    db = sqlite3.connect(out / "gradebook.db")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    checks = db.execute("SELECT student, COUNT(*) FROM checks GROUP BY student").fetchall()
    from grader import bank

    per_student = sum(len(bank.get(name).checks) for name in EXERCISES)
    assert len(checks) == 10 and {count for _, count in checks} == {per_student}


def test_report_links_lead_to_the_feedback_files_the_run_wrote(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    ids = ["alice", "Alice", "CON", "名前", "x" * 200, "a b"]
    for student_id in ids:
        (folder / f"{student_id}.ipynb").write_text("")  # unreadable: an error, graded without a sandbox
    out = tmp_path / "out"
    grade(folder, out)
    links = re.findall(r'href="(students/[^"]+)"', (out / "report.html").read_text("utf-8"))
    assert sorted(links) == sorted(f"students/{student_file_name(student_id, '.html')}" for student_id in ids)
    assert all((out / link).is_file() and (out / link).with_suffix(".md").is_file() for link in links)


def test_each_file_of_a_submission_is_read_once(tmp_path, monkeypatch):
    folder = tmp_path / "ann"
    folder.mkdir()
    (folder / "sq_loss.py").write_text(SQ_LOSS)
    notebook(folder / "rest.ipynb", SIMPLE_GRAPH)
    notebook(folder / "more.ipynb", "x = 1")
    opened: list[str] = []
    real_open = io.open

    def counting_open(file, *args, **kwargs):
        opened.append(str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(io, "open", counting_open)  # what Path.read_bytes and read_text open files with
    monkeypatch.setattr(builtins, "open", counting_open)
    task = submissions.load(submissions.single(folder, "ann"), EXERCISES, tmp_path)
    assert sorted(Path(name).name for name in opened if name.startswith(str(folder))) == \
        ["more.ipynb", "rest.ipynb", "sq_loss.py"]
    assert not task.problem
    assert [part.shown for part in task.parts] == ["ann/sq_loss.py", "ann/more.ipynb, ann/rest.ipynb"]


def test_a_rerun_skips_what_is_graded_and_regrades_what_changed(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    notebook(folder / "ann.ipynb", SQ_LOSS, SIMPLE_GRAPH)
    notebook(folder / "ben.ipynb", SQ_LOSS)
    out = tmp_path / "out"
    first = grade(folder, out)
    assert first.reused == 0 and student(out, "ben")["score"] == MAX["sq_loss"]

    again = grade(folder, out)
    assert again.reused == 2

    notebook(folder / "ben.ipynb", SQ_LOSS, SIMPLE_GRAPH)  # ben resubmits
    changed = grade(folder, out)
    assert changed.reused == 1 and student(out, "ben")["score"] == sum(MAX.values())

    forced = grade(folder, out, regrade=True)
    assert forced.reused == 0


def _class_for_kill(folder: Path, n: int) -> None:
    folder.mkdir()
    for i in range(n):
        notebook(folder / f"s{i:02d}.ipynb", "import time\ntime.sleep(0.5)", SQ_LOSS, SIMPLE_GRAPH)


def test_killing_the_run_loses_nothing_graded_and_leaves_no_half_row(tmp_path):
    folder, out = tmp_path / "class", tmp_path / "out"
    _class_for_kill(folder, 8)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = [sys.executable, "-m", "grader", "grade", str(folder), "--exercises", ",".join(EXERCISES),
            "--out", str(out), "--workers", "2", "--quiet"]
    run = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list((out / "students").glob("*.json"))) < 2:
        time.sleep(0.05)
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    db = sqlite3.connect(out / "gradebook.db")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    done = [row[0] for row in db.execute("SELECT student FROM submissions")]
    assert 1 <= len(done) < 8, "kill the run while it is still grading"
    for name in done:  # every recorded student is whole
        count = db.execute("SELECT COUNT(*) FROM checks WHERE student=?", (name,)).fetchone()[0]
        assert count == 6 + 5 - 1 or count > 0
        assert json.loads(db.execute("SELECT report FROM submissions WHERE student=?", (name,)).fetchone()[0])
    for path in (out / "students").glob("*.json"):
        json.loads(path.read_text())  # no half-written file
    db.close()
    resumed = grade(folder, out)
    assert resumed.reused == len(done) and resumed.total == 8 and resumed.errors == 0


def test_dask_cluster_gives_the_same_results_as_the_local_run(tmp_path):
    distributed = pytest.importorskip("distributed")
    folder = tmp_path / "class"
    folder.mkdir()
    notebook(folder / "ann.ipynb", SQ_LOSS, SIMPLE_GRAPH)
    notebook(folder / "ben.ipynb",
             SQ_LOSS.replace("** 2", "** 3").replace("**2", "**3"), "1/0", SIMPLE_GRAPH)
    (folder / "cat.ipynb").write_text("{")
    notebook(folder / "dee.ipynb", "import sys\nprint('preloaded:', 'matplotlib.pyplot' in sys.modules)",  # as locally
             "def sq_loss(a, b):\n    raise NotImplementedError", SIMPLE_GRAPH)
    grade(folder, tmp_path / "local")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        grade(folder, tmp_path / "dask", scheduler=cluster.scheduler_address)

    def comparable(out: Path, name: str) -> dict:
        data = student(out, name)
        for key in ("duration",):
            data.pop(key)
        for exercise in data["exercises"]:
            exercise.pop("duration")
            for test in exercise["tests"]:
                test.pop("duration")
        return data

    # dee's output says what the forkserver preloaded: in this test process it may be one an earlier test
    # started without the notebook preload, so only the Dask side's is asserted (a fresh `grader grade`
    # always starts its own with it).
    for name in ("ann", "ben", "cat"):
        dask, local = comparable(tmp_path / "dask", name), comparable(tmp_path / "local", name)
        for exercise, twin in zip(dask["exercises"], local["exercises"]):
            for test, other in zip(exercise["tests"], twin["tests"]):
                assert test == other, (name, exercise["exercise"])  # the first difference, whole
        assert dask == local, name
    assert "preloaded: True" in student(tmp_path / "dask", "dee")["exercises"][0]["load_output"]  # printed at load
    assert student(tmp_path / "dask", "ben")["score"] < sum(MAX.values())


def test_without_dask_the_message_names_the_extra(monkeypatch):
    from grader.batch import cluster
    from grader.errors import GraderError

    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(GraderError, match=r"torchgrader\[cluster\]"):
        with cluster.dask_executor("tcp://127.0.0.1:1"):
            pass


def test_a_refused_scheduler_connection_fails_at_once():
    pytest.importorskip("distributed")
    from grader.batch import cluster
    from grader.errors import GraderError

    started = time.monotonic()
    with pytest.raises(GraderError, match=r"tcp://127.0.0.1:1: nothing answers there"):
        with cluster.dask_executor("tcp://127.0.0.1:1"):
            pass
    assert time.monotonic() - started < 5


def test_one_students_folder_with_student_option(tmp_path):
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "sq_loss.py").write_text(SQ_LOSS)
    notebook(folder / "rest.ipynb", SIMPLE_GRAPH)
    summary = grade(folder, tmp_path / "out", student="submission")
    assert summary.total == 1 and scores(student(tmp_path / "out", "submission")) == MAX


@pytest.mark.parametrize("args, needle", [
    (["--exercises", "sq_los"], "Did you mean 'sq_loss'"),
    (["--assignment", "nope"], "no such assignment"),
    ([], "either --assignment"),
    (["--exercises", "sq_loss", "--assignment", "core"], "either --assignment"),
    (["--exercises", "sq_loss", "--export", "blackboard"], "no such format"),
])
def test_a_run_that_cannot_start_exits_2_with_one_line(tmp_path, args, needle):
    notebook(tmp_path / "a.ipynb", SQ_LOSS)
    done = grader("grade", tmp_path, "--out", tmp_path / "out", *args)
    assert done.code == 2 and needle in done.stderr and "Traceback" not in done.stderr


def test_an_empty_or_missing_submissions_folder_cannot_start(tmp_path):
    (tmp_path / "empty").mkdir()
    for folder, needle in ((tmp_path / "empty", "no submissions found"), (tmp_path / "missing", "no such folder")):
        done = grader("grade", folder, "--exercises", "sq_loss", "--out", tmp_path / "out")
        assert done.code == 2 and needle in done.stderr


def test_cli_grades_exports_and_exits_by_the_contract(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    notebook(folder / "ann.ipynb", SQ_LOSS, SIMPLE_GRAPH)
    notebook(folder / "ben.ipynb", SQ_LOSS)
    done = grader("grade", folder, "--exercises", ",".join(EXERCISES), "--out", tmp_path / "out",
                  "--export", "csv", "--workers", "2")
    assert done.code == 0, done.stderr
    assert "graded" in done.stdout and "2" in done.stdout
    assert (tmp_path / "out" / "exports" / "csv" / "grades.csv").is_file()
    again = grader("export", tmp_path / "out", "--format", "canvas")
    assert again.code == 0, again.stderr
    assert (tmp_path / "out" / "exports" / "canvas" / "canvas.csv").is_file()
    (folder / "cal.ipynb").write_text("not json")
    broken = grader("grade", folder, "--exercises", ",".join(EXERCISES), "--out", tmp_path / "out")
    assert broken.code == 1 and "not gradable" in broken.stdout


ODD_IDS = ["Alice", "a b", "名前", "bob"]


def test_students_json_follows_the_file_name_rule_and_keeps_the_raw_id(tmp_path):
    from grader import exports

    folder = tmp_path / "class"
    folder.mkdir()
    for student_id in ODD_IDS:
        (folder / f"{student_id}.ipynb").write_text("")  # unreadable: an error, graded without a sandbox
    out = tmp_path / "out"
    (out / "students").mkdir(parents=True)
    (out / "students" / "Alice.json").write_text(json.dumps({"student": "Alice", "status": "error",
                                                             "exercises": []}))  # an older grader's name
    (out / "students" / "a b.json").write_text(json.dumps({"student": "someone else"}))  # not this student's
    grade(folder, out)
    written = {path.name: json.loads(path.read_text())["student"] for path in (out / "students").glob("*.json")}
    expected = {student_file_name(student_id, ".json"): student_id for student_id in ODD_IDS}
    assert written == {**expected, "a b.json": "someone else"}
    (out / "students" / "a b.json").unlink()
    assert [s["student"] for s in exports.load_students(out)] == sorted(ODD_IDS)
    again = grade(folder, out)  # the gradebook's reports are re-used, under the same names
    assert again.reused == len(ODD_IDS) and sorted(p.name for p in (out / "students").glob("*.json")) == \
        sorted(expected)
    done = grader("export", out, "--format", "csv")
    assert done.code == 0, done.stderr
    rows = (out / "exports" / "csv" / "grades.csv").read_text().splitlines()[1:]
    assert sorted(row.split(",")[0] for row in rows) == sorted(ODD_IDS), rows


def test_grade_gives_an_lms_export_its_roster_and_ids(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "ann.ipynb").write_text("")
    roster = tmp_path / "roster.csv"
    roster.write_text("student,lms_id,sis_user_id\nann,4242,S-1\n")
    out = tmp_path / "out"
    done = grader("grade", folder, "--assignment", "nma_w1d2", "--out", out, "--export", "canvas",
                  "--export", "moodle", "--roster", roster, "--canvas-assignment-id", "901234",
                  "--moodle-item-idnumber", "hw1")
    assert done.code == 1 and "Traceback" not in done.stderr, done.stderr  # ann's file cannot be read
    canvas = (out / "exports" / "canvas" / "canvas.csv").read_text()
    assert "(901234)" in canvas.splitlines()[0] and "4242" in canvas and "S-1" in canvas
    assert (out / "exports" / "moodle" / "moodle.xml").is_file()
    assert "<title>Neuromatch W1D2 Tutorial 1: autograd and training</title>" in (out / "report.html").read_text()


def test_grade_with_a_bad_roster_stops_before_grading(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "ann.ipynb").write_text("")
    (tmp_path / "roster.csv").write_text("who,id\nann,1\n")
    done = grader("grade", folder, "--exercises", "sq_loss", "--out", tmp_path / "out", "--export", "canvas",
                  "--roster", tmp_path / "roster.csv")
    assert done.code == 2 and "student and lms_id" in done.stderr and not (tmp_path / "out").exists()


def _reused(run) -> int:
    assert run.code == 0, run.stdout + run.stderr
    return int(re.search(r"from the gradebook\s+(\d+)", run.stdout).group(1))


def test_editing_an_exercise_in_its_bank_regrades_and_an_unchanged_bank_does_not(tmp_path):
    from conftest import copy_bank

    root = copy_bank(tmp_path / "banks", "sq_loss")
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "ann.py").write_text((root / "reference_solutions/sq_loss.py").read_text())
    (folder / "ben.py").write_text((root / "exercises/sq_loss/mutants/mean_reduction.py").read_text())
    out = tmp_path / "out"

    def run():
        return grader("grade", folder, "--exercises", "course:sq_loss", "--out", out, "--bank", root, "--quiet")

    assert _reused(run()) == 0
    max_score = student(out, "ann")["max_score"]
    assert student(out, "ann")["score"] == max_score and student(out, "ben")["score"] < max_score
    assert _reused(run()) == 2  # nothing changed: nothing graded

    text = root / "exercises/sq_loss/text.toml"
    text.write_text(text.read_text().replace('values = "elementwise values"', 'values = "each value"'))
    assert _reused(run()) == 0  # a check's text changed: everyone regraded
    assert "each value" in [t["name"] for t in student(out, "ann")["exercises"][0]["tests"]]
    assert _reused(run()) == 2

    with (root / "torchgrader.toml").open("a") as config:
        config.write('\n[points]\n"sq_loss.values" = 3\n')
    assert _reused(run()) == 0  # its points changed
    assert student(out, "ann")["max_score"] == max_score + 2


def test_dask_grades_a_course_banks_class_as_the_local_pool_does(tmp_path):
    distributed = pytest.importorskip("distributed")
    from conftest import copy_bank

    from grader import bank

    root = copy_bank(tmp_path / "banks", "sq_loss")
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "ann.py").write_text((root / "reference_solutions/sq_loss.py").read_text())
    (folder / "ben.py").write_text((root / "exercises/sq_loss/mutants/mean_reduction.py").read_text())
    notebook(folder / "cat.ipynb", "import torch", "def sq_loss(a, b):\n    return (a - b).abs()")
    bank.use([root])
    try:
        settings = Settings(cell_timeout=5.0, banks=bank.roots())  # what `grade --bank` hands the workers
        assert settings.banks == (str(root.resolve()),)

        def run(out: Path, **options) -> None:
            grade_class(Plan(submissions=folder, exercises=("course:sq_loss",), out=out, settings=settings,
                             workers=2, **options))

        run(tmp_path / "local")
        with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=True,
                                      dashboard_address=None) as cluster:
            run(tmp_path / "dask", scheduler=cluster.scheduler_address)
    finally:
        bank.use([])

    def comparable(out: Path, name: str) -> dict:
        data = student(out, name)
        data.pop("duration")
        for exercise in data["exercises"]:
            exercise.pop("duration")
            for test in exercise["tests"]:
                test.pop("duration")
        return data

    for name in ("ann", "ben", "cat"):
        assert comparable(tmp_path / "dask", name) == comparable(tmp_path / "local", name), name
    full = student(tmp_path / "dask", "ann")["max_score"]
    assert [student(tmp_path / "dask", n)["score"] == full for n in ("ann", "ben", "cat")] == [True, False, False]
    assert student(tmp_path / "dask", "ann")["exercises"][0]["exercise"] == "sq_loss"


def test_a_dask_task_carries_its_bank_to_a_worker_that_cannot_read_the_folder(tmp_path, monkeypatch):
    from conftest import copy_bank

    from grader import bank
    from grader.batch import run

    root = copy_bank(tmp_path / "banks", "sq_loss")
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "ann.py").write_text((root / "reference_solutions/sq_loss.py").read_text())
    (folder / "ben.py").write_text((root / "exercises/sq_loss/mutants/mean_reduction.py").read_text())
    tasks = [submissions.load(sub, ("course:sq_loss",), folder) for sub in submissions.discover(folder)]
    shipped = run.ship_banks((str(root),))
    assert run.ship_banks((str(root),)) == shipped  # the same bank, the same bytes: unpacked once per machine
    root.rename(tmp_path / "elsewhere")  # the worker's machine has no such folder
    monkeypatch.setattr(run, "SHIPPED_BANKS", tmp_path / "worker-cache")
    try:
        ann, ben = (run.grade_shipped(task, Settings(banks=(str(root),)), shipped) for task in tasks)
    finally:
        bank.use([])
    assert ann.exercises[0].score == ann.exercises[0].max_score > 0
    assert 0 < ben.exercises[0].score < ben.exercises[0].max_score
    assert [p.name for p in (tmp_path / "worker-cache").iterdir()] == [shipped[0][1]]


class _Counted:
    """A bank's zip bytes that count how often the grader's process pickles them (each time they are sent);
    unpickled, they are the plain bytes, so a worker needs nothing of this test."""

    sent = 0

    def __init__(self, data: bytes) -> None:
        self.data = data

    def __reduce__(self) -> tuple[type, tuple[bytes]]:
        type(self).sent += 1
        return bytes, (self.data,)


def test_dask_sends_a_course_bank_once_not_with_every_task(tmp_path, monkeypatch):
    distributed = pytest.importorskip("distributed")
    from conftest import copy_bank

    from grader import bank
    from grader.batch import run

    root = copy_bank(tmp_path / "banks", "sq_loss")
    folder = tmp_path / "class"
    folder.mkdir()
    for name in ("ann", "ben", "cat", "dan"):
        (folder / f"{name}.py").write_text((root / "reference_solutions/sq_loss.py").read_text())
    (folder / "eve.py").write_text((root / "exercises/sq_loss/mutants/mean_reduction.py").read_text())
    shipping = run.ship_banks
    monkeypatch.setattr(run, "ship_banks", lambda roots: tuple((n, d, _Counted(z)) for n, d, z in shipping(roots)))
    monkeypatch.setattr(_Counted, "sent", 0)
    bank.use([root])
    try:
        settings = Settings(cell_timeout=5.0, banks=bank.roots())
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                      dashboard_address=None) as cluster:
            summary = grade_class(Plan(submissions=folder, exercises=("course:sq_loss",), out=tmp_path / "out",
                                       settings=settings, scheduler=cluster.scheduler_address))
    finally:
        bank.use([])
    assert summary.errors == 0 and summary.total == 5
    full = student(tmp_path / "out", "ann")["max_score"]
    assert [student(tmp_path / "out", n)["score"] == full for n in ("ann", "ben", "cat", "dan", "eve")] == \
        [True, True, True, True, False]
    assert _Counted.sent == 1  # five tasks, two workers: the bank left the grader once
