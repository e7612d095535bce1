"""A whole class graded by the real `grader grade`: every verdict known in advance (tests/classroom.py).

50 submissions for the nma_w1d2 assignment (correct, mutants, stubs, cells that raise or never
end, hostile cells, unreadable submissions) are graded once, with 2 workers and time limits
scaled by 0.2, then graded again from the gradebook. The module's tests check that run: no false
pass, no false fail, what the summary and the exports say, and that the second run reuses everything.
"""

from __future__ import annotations

import csv
import json
import os
import re
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from classroom import ASSIGNMENT, EXERCISES, Expected, Verdict, make_class
from conftest import GraderRun, grader, processes_with

pytestmark = pytest.mark.slow  # 75–140 s on 2 cores: one grading, shared by every test here

STUDENTS = 50
EXPORTS = ("gradescope", "canvas", "junit", "csv")


@dataclass
class Graded:
    expected: dict[str, Expected]
    out: Path
    first: GraderRun
    first_seconds: float
    students: dict[str, dict[str, Any]]  # DIR/students/<id>.json after the first run
    second: GraderRun
    second_seconds: float
    students_again: dict[str, dict[str, Any]]
    survivors: list[int]  # processes still running with the hostile files' mark


def _students(out: Path) -> dict[str, dict[str, Any]]:
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted((out / "students").glob("*.json"))}


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Graded:
    root = tmp_path_factory.mktemp("classroom")
    expected = make_class(root / "submissions", STUDENTS, seed=0)
    out = root / "out"
    args: list[str | Path] = ["grade", root / "submissions", "--assignment", ASSIGNMENT, "--out", out,
                              "--workers", "2", "--quiet"]
    for fmt in EXPORTS:
        args += ["--export", fmt]
    mark = f"classroom-sleeper-{os.getpid()}"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("GRADER_TIMEOUT_SCALE", "0.2")
        env.setenv("HOSTILE_MARK", mark)  # tests/hostile/background_processes.py's sleepers carry it
        env.setenv("COLUMNS", "200")
        started = time.perf_counter()
        first = grader(*args, timeout=600)
        first_seconds = time.perf_counter() - started
        students = _students(out)
        survivors = processes_with(mark)
        started = time.perf_counter()
        second = grader(*args, timeout=600)
        second_seconds = time.perf_counter() - started
    return Graded(expected, out, first, first_seconds, students, second, second_seconds, _students(out), survivors)


def _summary(stdout: str) -> dict[str, str]:
    """The closing table's rows: name -> value."""
    rows = {}
    for line in stdout.splitlines():
        match = re.match(r"\s*(submissions|graded|not gradable|from the gradebook|time)\s{2,}(.*\S)", line)
        if match:
            rows[match[1]] = match[2]
    return rows


def _exercises(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["exercise"]: e for e in report["exercises"]}


def _misses(graded: Graded, *, passes: bool) -> list[str]:
    """False passes (`passes`: a verdict other than full marks not met) or false fails (full marks not given)."""
    misses = []
    for student, expected in graded.expected.items():
        report = graded.students[student]
        if not passes and report["status"] != expected.status:
            misses.append(f"{student} ({expected.what}): status {report['status']}, expected {expected.status}: "
                          f"{report['message']}")
        for name, exercise in _exercises(report).items():
            verdict = expected.exercises[name]
            if (verdict is Verdict.FULL) == passes or verdict.holds(exercise["score"], exercise["max_score"]):
                continue
            why = "; ".join(f"{t['id']} {t['status']}: {t['message'][:160]}" for t in exercise["tests"]
                            if t["status"] != "passed")
            misses.append(f"{student} ({expected.what}): {name} {exercise['score']:g}/{exercise['max_score']:g}, "
                          f"expected {verdict.value}. {why}")
    return misses


def test_every_student_has_a_report_and_the_exit_code_says_some_could_not_be_read(graded: Graded) -> None:
    assert graded.first.code == 1, graded.first.stderr[-3000:]
    assert sorted(graded.students) == sorted(graded.expected)
    for student, report in graded.students.items():
        assert report["student"] == student
        assert [e["exercise"] for e in report["exercises"]] == list(EXERCISES)
        assert report["score"] == sum(e["score"] for e in report["exercises"])
        assert report["max_score"] == sum(e["max_score"] for e in report["exercises"]) > 0
    assert "Traceback" not in graded.first.stdout + graded.first.stderr


def test_no_false_pass(graded: Graded) -> None:
    """Mutants, stubs, hostile code and unreadable files never get marks they did not earn."""
    assert _misses(graded, passes=True) == []


def test_no_false_fail(graded: Graded) -> None:
    """Correct code gets full marks, beside cells that raise, never end, or are hostile."""
    assert _misses(graded, passes=False) == []


def test_unreadable_submissions_say_why(graded: Graded) -> None:
    errors = {s: e for s, e in graded.expected.items() if e.status == "error"}
    assert len(errors) == 4
    for student, expected in errors.items():
        report = graded.students[student]
        assert report["status"] == "error" and report["score"] == 0, report
        assert expected.message in report["message"], report["message"]


def test_stubs_say_not_implemented(graded: Graded) -> None:
    stubs = [(s, name) for s, e in graded.expected.items() for name in sorted(e.not_implemented)]
    assert len(stubs) >= 3
    for student, name in stubs:
        first = _exercises(graded.students[student])[name]["tests"][0]
        assert first["status"] == "error" and first["details"]["summary"]["id"] == "not_implemented", first


def test_failed_cells_are_recorded_and_the_notebook_goes_on(graded: Graded) -> None:
    """Cells that raise or run out of time are listed with their number; the later definitions still count."""
    noted = {s: e for s, e in graded.expected.items() if e.cells}
    assert sum("timeout" in e.cells.values() for e in noted.values()) >= 2
    assert sum("timeout" not in e.cells.values() for e in noted.values()) >= 2
    assert any("died" in e.cells.values() for e in noted.values())
    for student, expected in noted.items():
        for exercise in graded.students[student]["exercises"]:
            reported = {c["cell"]: c["exception"] if c["status"] == "error" else c["status"] for c in exercise["cells"]}
            for cell, outcome in expected.cells.items():
                assert reported.get(cell) == outcome, (student, expected.what, exercise["cells"])


def test_hostile_processes_do_not_outlive_the_run(graded: Graded) -> None:
    assert any("background_processes" in e.what for e in graded.expected.values())
    assert graded.survivors == []


def test_summary_counts_match_the_reports(graded: Graded) -> None:
    rows = _summary(graded.first.stdout)
    reports = graded.students.values()
    errors = sorted(r["student"] for r in reports if r["status"] == "error")
    full_marks = {r["student"] for r in reports
                  if r["status"] == "graded" and all(t["status"] == "passed" for e in r["exercises"] for t in e["tests"])}
    full = len(full_marks)
    assert rows["submissions"] == str(STUDENTS), graded.first.stdout
    assert rows["graded"] == f"{STUDENTS - len(errors)} ({full} full marks, {STUDENTS - len(errors) - full} lost points)"
    assert rows["not gradable"] == f"{len(errors)} ({', '.join(errors)})"
    assert errors == sorted(s for s, e in graded.expected.items() if e.status == "error")
    assert rows["from the gradebook"].startswith("0 ")
    expected_full = {s for s, e in graded.expected.items() if all(v is Verdict.FULL for v in e.exercises.values())}
    assert full_marks == expected_full


def test_report_and_exports_agree_with_the_students_reports(graded: Graded) -> None:
    out, reports = graded.out, graded.students
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html") and all(s in html for s in reports)
    with (out / "exports" / "csv" / "grades.csv").open(encoding="utf-8", newline="") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    assert sorted(rows) == sorted(reports)
    for student, report in reports.items():
        assert float(rows[student]["total"]) == report["score"] and rows[student]["status"] == report["status"]
        for name, exercise in _exercises(report).items():
            assert float(rows[student][name]) == exercise["score"]
    canvas = (out / "exports" / "canvas" / "canvas.csv").read_text(encoding="utf-8")
    assert all(f'"{s}"' in canvas for s in reports)
    junit: dict[str, float] = {}  # one testsuite per student and exercise (one per unreadable student)
    for suite in ET.parse(out / "exports" / "junit" / "junit.xml").getroot().iter("testsuite"):
        props = {p.get("name"): p.get("value", "") for p in suite.iter("property")}
        junit[props["student"]] = junit.get(props["student"], 0.0) + float(props["score"])
    assert junit == {s: r["score"] for s, r in reports.items()}
    for student, report in reports.items():
        if report["status"] == "graded":
            results = json.loads((out / "exports" / "gradescope" / student / "results.json").read_text())
            assert results["score"] == report["score"]


def test_a_second_run_reuses_every_student_and_is_much_faster(graded: Graded) -> None:
    rows = _summary(graded.second.stdout)
    assert graded.second.code == 1
    assert rows["from the gradebook"].startswith(f"{STUDENTS} "), graded.second.stdout
    assert graded.second_seconds < graded.first_seconds / 4, (graded.first_seconds, graded.second_seconds)
    for student, report in graded.students.items():
        again = graded.students_again[student]
        assert (again["status"], again["score"], again["content_hash"]) == \
            (report["status"], report["score"], report["content_hash"])
        assert [[(t["id"], t["status"], t["score"]) for t in e["tests"]] for e in again["exercises"]] == \
            [[(t["id"], t["status"], t["score"]) for t in e["tests"]] for e in report["exercises"]]


def test_a_reused_report_is_the_same_report(graded: Graded) -> None:
    changed = [s for s, report in graded.students.items() if graded.students_again[s] != report]
    assert changed == []
