"""LMS/CI exports: each format checked against its schema and parsed back field by field; the Gradescope bundle run."""

from __future__ import annotations

import csv
import importlib.metadata
import json
import os
import re
import stat
import subprocess
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import jsonschema
import pytest
import xmlschema

from grader import bank
from grader.batch.model import StudentReport, StudentStatus, student_json
from grader.errors import BadOption, GraderError, UnknownExercise
from grader.exports import FORMATS, ExportOptions, RosterEntry, export, load_students, read_roster
from grader.batch.names import student_file_name
from grader.exports.common import SCHEMAS, cell, points
from grader.exports.gradescope_bundle import build_bundle
from grader.exports.prairielearn import LIMIT_BYTES
from grader.i18n import text
from grader.results import CheckResult, ExerciseReport, Feedback, Status

EXERCISES = ["sq_loss", "simple_graph"]
MAX = sum(bank.get(name).max_score for name in EXERCISES)
TITLE = "Homework 1: autograd"
UNREADABLE = "dan.ipynb is not a readable Jupyter notebook (it is cut off): save it again and resubmit."

FEEDBACK = {
    Status.FAILED: Feedback(summary=("values_differ", {"count": 2, "total": 4, "percent": "50.0", "path": ""}),
                            called="sq_loss(y_true, y_prediction) with shapes (4,) and (4,)",
                            expected=("tensor_values", {"text": "[1.0, 4.0, 9.0, 16.0]"}),
                            got=("tensor_values", {"text": "[1.0, 2.0, 3.0, 4.0]"}),
                            hint="hint.sq_loss.square", output="debug: <b>**loss**</b>\n"),
    Status.SKIPPED: Feedback(summary=("not_run", {"needs": "values"})),
    Status.TIMEOUT: Feedback(summary=("timeout", {"seconds": 10})),
    Status.ERROR: Feedback(summary=("not_implemented", {})),
    Status.MEMORY: Feedback(summary=("memory", {"limit_mb": 512, "message": "cannot allocate"})),
}


def graded(name: str, outcomes: dict[str, Status] | None = None, *, scores: dict[str, float] | None = None,
           output: str = "") -> ExerciseReport:
    """A report on bank exercise `name`: every check passed unless `outcomes` says otherwise."""
    spec = bank.get(name)
    checks = []
    for check in spec.checks:
        status = (outcomes or {}).get(check.id, Status.PASSED)
        score = (scores or {}).get(check.id, check.points if status is Status.PASSED else 0.0)
        feedback = FEEDBACK.get(status)
        if feedback is not None and output:
            feedback = feedback.model_copy(update={"output": output})
        checks.append(CheckResult(id=check.id, title=check.title, status=status, score=score, max_score=check.points,
                                  feedback=feedback, duration=0.01))
    return ExerciseReport(exercise=name, title=spec.title, file=f"exercises/{name}.py", device="cpu", checks=checks,
                          duration=0.25)


def student(sid: str, exercises: list[ExerciseReport], *, error: str = "") -> dict[str, Any]:
    status = StudentStatus.ERROR if error else StudentStatus.GRADED
    return student_json(StudentReport(student=sid, status=status, exercises=exercises, message=error,
                                      grader_version="0.1.0", duration=1.25))


ALICE = student("alice", [graded("sq_loss"), graded("simple_graph")])
BOB = student("bob", [graded("sq_loss", {"values": Status.FAILED, "grad": Status.SKIPPED}),
                      graded("simple_graph", {"values": Status.ERROR, "grad": Status.TIMEOUT})])
CHLOE = student('chloé, "c"', [graded("sq_loss", {"shape": Status.FAILED}, scores={"shape": 1 / 3}),
                              graded("simple_graph", {"canonical": Status.MEMORY})])
DAN = student("dan", [], error=UNREADABLE)  # unreadable, no exercises listed
ERIN = student("erin", [graded("sq_loss", dict.fromkeys(["shape", "values", "grad", "inputs_unchanged"],
                                                        Status.ERROR))], error=UNREADABLE)  # listed with score 0
STUDENTS = [ALICE, BOB, CHLOE, DAN, ERIN]
IDS = [s["student"] for s in STUDENTS]
ERRORS = {"dan", "erin"}


def expected_score(s: dict[str, Any]) -> float:
    """What a student earned, computed from the report model, not from the exporters' code."""
    return 0.0 if s["status"] == "error" else sum(e["score"] for e in s["exercises"])


def run(fmt: str, out: Path, students: list[dict[str, Any]] | None = None, **options: Any) -> list[Path]:
    return export(STUDENTS if students is None else students, fmt, out / fmt, exercises=EXERCISES, title=TITLE,
                  options=ExportOptions(**options))


def schema(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads((SCHEMAS / name).read_text()))


def by_student(paths: list[Path]) -> dict[str, dict[str, Any]]:
    """results.json files keyed by the student id written inside them (from the first test's context)."""
    docs = [json.loads(p.read_text(encoding="utf-8")) for p in paths]
    return dict(zip(IDS, docs, strict=True))


# ---------------------------------------------------------------- the API, the input, the file names

def test_formats_are_the_documented_ones_and_an_unknown_one_lists_them(tmp_path: Path) -> None:
    assert FORMATS == ("gradescope", "canvas", "moodle", "lti-ags", "prairielearn", "junit", "csv")
    with pytest.raises(BadOption) as caught:
        export(STUDENTS, "blackboard", tmp_path, exercises=EXERCISES)
    assert all(fmt in str(caught.value) for fmt in FORMATS)
    assert not list(tmp_path.iterdir())


def test_all_lists_exactly_the_public_names() -> None:
    import grader.exports

    assert sorted(grader.exports.__all__) == ["ExportOptions", "FORMATS", "RosterEntry", "export", "load_students",
                                              "read_roster", "title_of"]
    assert all(getattr(grader.exports, name) is not None for name in grader.exports.__all__)


def test_an_export_needs_exercises_the_bank_knows(tmp_path: Path) -> None:
    with pytest.raises(BadOption):
        export(STUDENTS, "csv", tmp_path, exercises=[])
    with pytest.raises(UnknownExercise):
        export(STUDENTS, "csv", tmp_path, exercises=["sq_los"])


def test_the_same_student_twice_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BadOption, match="alice"):
        run("csv", tmp_path, [ALICE, BOB, ALICE])


def test_load_students_reads_every_report_sorted_by_student(tmp_path: Path) -> None:
    (tmp_path / "students").mkdir()
    for i, s in enumerate(reversed(STUDENTS)):  # file names in another order than the ids
        (tmp_path / "students" / f"{i}.json").write_text(json.dumps(s), encoding="utf-8")
    assert load_students(tmp_path) == sorted(STUDENTS, key=lambda s: s["student"])


@pytest.mark.parametrize("content", [None, "", "{not json", '{"score": 1}'], ids=["no-folder", "empty-folder",
                                                                                    "bad-json", "not-a-report"])
def test_load_students_names_the_folder_or_file_it_cannot_use(tmp_path: Path, content: str | None) -> None:
    if content is not None:
        (tmp_path / "students").mkdir()
        if content:
            (tmp_path / "students" / "zoe.json").write_text(content)
    with pytest.raises(GraderError) as caught:
        load_students(tmp_path)
    assert str(tmp_path / "students") in str(caught.value)


@pytest.mark.parametrize("sid", ["../../etc/passwd", "a/b", "a\\b", "CON", ".hidden", "", "x" * 300, "名前",
                                 'chloé, "c"'], ids=repr)
def test_a_file_name_is_safe_and_keeps_no_path(sid: str) -> None:
    name = student_file_name(sid)
    assert name and len(name) <= 100 and name not in {".", ".."}
    assert all(c.isascii() and (c.isalnum() or c in "._-") for c in name)
    assert not name.startswith(".") and name.upper() != "CON"


def test_file_names_never_collide() -> None:
    ids = ["a/b", "a_b", "a:b", "A_B", "Bob", "bob", "submission"]
    names = [student_file_name(sid) for sid in ids]
    assert len({n.casefold() for n in names}) == len(ids)
    assert student_file_name("submission") == "submission"  # the Gradescope bundle reads gradescope/submission/


def test_every_student_gets_their_own_file_with_their_real_id(tmp_path: Path) -> None:
    ids = ["a/b", "a_b", "a:b", "A_B"]
    paths = run("gradescope", tmp_path, [student(sid, [graded("sq_loss")]) for sid in ids])
    assert len(set(paths)) == len(ids) and all(p.is_relative_to(tmp_path / "gradescope") for p in paths)
    assert [json.loads(p.read_text())["extra_data"]["student"] for p in paths] == ids


@pytest.mark.parametrize("fmt", ["gradescope", "canvas", "moodle", "lti-ags", "csv"])
def test_an_unreadable_submission_scores_zero_even_if_its_exercises_carry_points(tmp_path: Path, fmt: str) -> None:
    stale = student("fay", [graded("sq_loss")], error=UNREADABLE)  # status wins over what is listed
    path = run(fmt, tmp_path, [stale])[0]
    if fmt == "gradescope":
        doc = json.loads(path.read_text())
        assert doc["score"] == 0 and {t["score"] for t in doc["tests"]} == {0}
    elif fmt == "lti-ags":
        assert "scoreGiven" not in json.loads(path.read_text())
    else:
        row = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))[-1]
        column = {"canvas": 5, "moodle": 3, "csv": -3}[fmt]
        assert float(row[column]) == 0
        if fmt == "csv":
            assert float(row[2]) == 0  # the sq_loss column too


def test_read_roster_reads_the_columns(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text('\ufeffstudent,lms_id,name,section\nbob,501,"Builder, Bob",SEC-1\n', encoding="utf-8")
    assert read_roster(roster) == {"bob": RosterEntry(student="bob", lms_id="501", name="Builder, Bob",
                                                      section="SEC-1")}


@pytest.mark.parametrize("content", ["student,name\nbob,Bob\n", "student,lms_id\nbob,1\nbob,2\n"],
                         ids=["no-lms_id", "twice"])
def test_read_roster_refuses_a_roster_it_cannot_trust(tmp_path: Path, content: str) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(content)
    with pytest.raises(GraderError, match="roster.csv"):
        read_roster(roster)


def test_a_student_missing_from_the_roster_is_named(tmp_path: Path) -> None:
    roster = {"alice": RosterEntry(student="alice", lms_id="1")}
    with pytest.raises(BadOption, match="'bob'"):
        run("lti-ags", tmp_path, [ALICE, BOB], roster=roster)


# ---------------------------------------------------------------- Gradescope

GRADESCOPE = schema("gradescope-results.schema.json")


@pytest.mark.parametrize("sid", IDS)
def test_gradescope_results_match_the_schema(tmp_path: Path, sid: str) -> None:
    GRADESCOPE.validate(by_student(run("gradescope", tmp_path))[sid])


@pytest.mark.parametrize("breaks", ["execution_time", "status", "no-score", "format"])
def test_the_gradescope_schema_rejects_a_broken_document(tmp_path: Path, breaks: str) -> None:
    doc = by_student(run("gradescope", tmp_path))["bob"]
    if breaks == "execution_time":
        doc["execution_time"] = "1.25"  # gradescope-utils' mistake
    elif breaks == "status":
        doc["tests"][0]["status"] = "ok"
    elif breaks == "no-score":
        del doc["score"]
        del doc["tests"][0]["score"]
    else:
        doc["output_format"] = "markdown"
    assert not GRADESCOPE.is_valid(doc)


@pytest.mark.parametrize("sid", ["alice", "bob", 'chloé, "c"'])
def test_gradescope_score_is_the_sum_of_the_tests_and_statuses_follow_the_checks(tmp_path: Path, sid: str) -> None:
    doc = by_student(run("gradescope", tmp_path))[sid]
    report = next(s for s in STUDENTS if s["student"] == sid)
    checks = [t for e in report["exercises"] for t in e["tests"]]
    assert doc["score"] == pytest.approx(sum(t["score"] for t in doc["tests"])) == pytest.approx(expected_score(report))
    assert [t["status"] for t in doc["tests"]] == ["passed" if c["status"] == "passed" else "failed" for c in checks]
    assert [t["max_score"] for t in doc["tests"]] == [c["max_score"] for c in checks]
    assert isinstance(doc["execution_time"], (int, float)) and doc["execution_time"] == report["duration"]
    assert doc["output_format"] in {"md", "text"} and all(t["output_format"] in {"md", "text"} for t in doc["tests"])
    assert "visibility" not in {k for t in doc["tests"] for k in t} and doc.get("visibility", "visible") == "visible"


def test_gradescope_shows_the_students_feedback_and_nothing_of_the_grader(tmp_path: Path) -> None:
    doc = by_student(run("gradescope", tmp_path))["bob"]
    values = next(t for t in doc["tests"] if t["tags"] == ["sq_loss", "values"])
    check = next(t for t in BOB["exercises"][0]["tests"] if t["id"] == "values")
    assert check["message"] in values["output"]
    assert f"{text('report.hint')}: {check['hint']}" in values["output"]
    assert "debug: <b>**loss**</b>" in values["output"]  # verbatim: shown as text, never as markup
    assert values["output_format"] == "text"
    dumped = json.dumps(doc)
    for internal in ("values_differ", "tensor_values", "hint.sq_loss", "margin", "details"):
        assert internal not in dumped


@pytest.mark.parametrize("sid", sorted(ERRORS))
def test_an_unreadable_submission_gets_zero_and_the_reason_on_gradescope(tmp_path: Path, sid: str) -> None:
    doc = by_student(run("gradescope", tmp_path))[sid]
    assert doc["score"] == 0 and all(t["score"] == 0 for t in doc["tests"])
    assert doc["output"] == UNREADABLE


# ---------------------------------------------------------------- PrairieLearn

PRAIRIELEARN = schema("prairielearn-results.schema.json")


@pytest.mark.parametrize("sid", IDS)
def test_prairielearn_results_match_the_schema(tmp_path: Path, sid: str) -> None:
    PRAIRIELEARN.validate(by_student(run("prairielearn", tmp_path))[sid])


@pytest.mark.parametrize("breaks", ["score-above-1", "gradable-without-score", "points-as-text"])
def test_the_prairielearn_schema_rejects_a_broken_document(tmp_path: Path, breaks: str) -> None:
    doc = by_student(run("prairielearn", tmp_path))["bob"]
    if breaks == "score-above-1":
        doc["score"] = 1.5
    elif breaks == "gradable-without-score":
        del doc["score"]
    else:
        doc["tests"][0]["points"] = "1"
    assert not PRAIRIELEARN.is_valid(doc)


@pytest.mark.parametrize("sid", IDS)
def test_prairielearn_scores_a_fraction_and_is_ungradable_only_when_unreadable(tmp_path: Path, sid: str) -> None:
    doc = by_student(run("prairielearn", tmp_path))[sid]
    report = next(s for s in STUDENTS if s["student"] == sid)
    assert doc["gradable"] is (sid not in ERRORS)
    if sid in ERRORS:
        assert UNREADABLE in doc["message"] and "score" not in doc
        return
    assert 0 <= doc["score"] <= 1 and doc["score"] == pytest.approx(expected_score(report) / MAX)
    checks = [t for e in report["exercises"] for t in e["tests"]]
    assert [(t["points"], t["max_points"]) for t in doc["tests"]] == [(c["score"], c["max_score"]) for c in checks]


def test_a_zero_score_is_still_gradable_on_prairielearn(tmp_path: Path) -> None:
    zero = student("zoe", [graded(name, {c.id: Status.ERROR for c in bank.get(name).checks}) for name in EXERCISES])
    doc = json.loads(run("prairielearn", tmp_path, [zero])[0].read_text())
    assert doc["gradable"] is True and doc["score"] == 0


def test_prairielearn_results_stay_under_1_mb_with_huge_output(tmp_path: Path) -> None:
    chatty = "step 0 loss 1.0\n" + "x" * 3_000_000 + "\nfinal line"
    huge = student("zoe", [graded("sq_loss", {"values": Status.FAILED, "grad": Status.FAILED}, output=chatty)])
    path = run("prairielearn", tmp_path, [huge])[0]
    assert path.stat().st_size < LIMIT_BYTES
    doc = json.loads(path.read_text(encoding="utf-8"))
    PRAIRIELEARN.validate(doc)
    failed = [t for t in doc["tests"] if t["points"] == 0]
    assert all("step 0 loss" in t["output"] and t["output"].endswith("final line") for t in failed)


# ---------------------------------------------------------------- LTI AGS

LTI = schema("lti-score.schema.json")
WHEN = datetime(2025, 1, 31, 13, 0, 0, 123456, tzinfo=timezone(timedelta(hours=1)))


def scores(tmp_path: Path, **options: Any) -> dict[str, dict[str, Any]]:
    lines = run("lti-ags", tmp_path, **options)[0].read_text(encoding="utf-8").splitlines()
    return dict(zip(IDS, map(json.loads, lines), strict=True))


@pytest.mark.parametrize("sid", IDS)
def test_lti_scores_match_the_schema(tmp_path: Path, sid: str) -> None:
    LTI.validate(scores(tmp_path)[sid])


@pytest.mark.parametrize("breaks", ["maximum-zero", "no-timestamp", "whole-seconds", "given-without-maximum",
                                    "progress"])
def test_the_lti_schema_rejects_a_broken_score(tmp_path: Path, breaks: str) -> None:
    score = scores(tmp_path, lti_timestamp=WHEN)["bob"]
    if breaks == "maximum-zero":
        score["scoreMaximum"] = 0
    elif breaks == "no-timestamp":
        del score["timestamp"]
    elif breaks == "whole-seconds":
        score["timestamp"] = "2025-01-31T12:00:00+00:00"
    elif breaks == "given-without-maximum":
        del score["scoreMaximum"]
    else:
        score["gradingProgress"] = "Done"
    assert not LTI.is_valid(score)


@pytest.mark.parametrize("sid", IDS)
def test_lti_grades_a_readable_submission_and_fails_an_unreadable_one(tmp_path: Path, sid: str) -> None:
    score = scores(tmp_path)[sid]
    report = next(s for s in STUDENTS if s["student"] == sid)
    assert score["userId"] == sid and score["scoreMaximum"] == MAX > 0
    if sid in ERRORS:  # no grade: Canvas ignores scoreGiven on "Failed", and 0 would read as a graded attempt
        assert (score["gradingProgress"], score["activityProgress"]) == ("Failed", "Submitted")
        assert "scoreGiven" not in score and score["comment"] == UNREADABLE
    else:
        assert (score["gradingProgress"], score["activityProgress"]) == ("FullyGraded", "Completed")
        assert score["scoreGiven"] == pytest.approx(expected_score(report))


def test_lti_timestamps_are_utc_with_milliseconds(tmp_path: Path) -> None:
    assert {s["timestamp"] for s in scores(tmp_path, lti_timestamp=WHEN).values()} == {"2025-01-31T12:00:00.123+00:00"}
    before = datetime.now(timezone.utc) - timedelta(milliseconds=1)
    stamp = datetime.fromisoformat(scores(tmp_path)["alice"]["timestamp"])
    assert stamp.utcoffset() == timedelta(0) and before <= stamp <= datetime.now(timezone.utc)
    with pytest.raises(BadOption):
        scores(tmp_path, lti_timestamp=datetime(2025, 1, 31, 12))  # no timezone


def test_lti_user_ids_come_from_the_roster(tmp_path: Path) -> None:
    roster = {sid: RosterEntry(student=sid, lms_id=f"sub-{i}") for i, sid in enumerate(IDS)}
    assert [s["userId"] for s in scores(tmp_path, roster=roster).values()] == [f"sub-{i}" for i in range(len(IDS))]


# ---------------------------------------------------------------- Canvas

def canvas_rows(tmp_path: Path, **options: Any) -> tuple[str, list[list[str]]]:
    raw = run("canvas", tmp_path, **options)[0].read_text(encoding="utf-8")
    return raw, list(csv.reader(raw.splitlines()))


def test_canvas_csv_has_the_gradebook_header_and_points_possible(tmp_path: Path) -> None:
    _, rows = canvas_rows(tmp_path, canvas_assignment_id="901234")
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", f"{TITLE} (901234)"]
    assert rows[1] == ["    Points Possible", "", "", "", "", points(MAX)]
    assert float(rows[1][5]) == MAX


def test_canvas_without_an_assignment_id_titles_a_new_column(tmp_path: Path) -> None:
    assert canvas_rows(tmp_path)[1][0][5] == TITLE
    with pytest.raises(BadOption):
        canvas_rows(tmp_path, canvas_assignment_id="hw1")


def test_canvas_rows_quote_everything_and_round_to_two_decimals(tmp_path: Path) -> None:
    raw, rows = canvas_rows(tmp_path)
    for line in raw.splitlines():
        assert line.startswith('"') and line.endswith('"') and line.count('","') == 5
    assert [r[0] for r in rows[2:]] == IDS  # 'chloé, "c"' survives the comma and the quotes
    for row, report in zip(rows[2:], STUDENTS, strict=True):
        assert len(row[5].partition(".")[2]) <= 2
        assert float(row[5]) == pytest.approx(expected_score(report), abs=0.005)
    assert rows[4][5] == f"{expected_score(CHLOE):.2f}"  # 1/3 + ... → two decimals


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_canvas_defuses_a_name_that_a_spreadsheet_would_run(tmp_path: Path, start: str) -> None:
    evil = f'{start}HYPERLINK("http://evil.example","x")'
    roster = {sid: RosterEntry(student=sid, lms_id=str(i), name=evil if sid == "alice" else sid)
              for i, sid in enumerate(IDS)}
    _, rows = canvas_rows(tmp_path, roster=roster)
    assert rows[2][0] == f"'{evil}" and not rows[2][0].startswith(start)


def test_canvas_takes_the_identities_from_the_roster(tmp_path: Path) -> None:
    roster = {sid: RosterEntry(student=sid, lms_id=f"40{i}", name=f"Last{i}, First", sis_user_id=f"300{i}",
                               sis_login_id=f"login{i}", section="SEC-001") for i, sid in enumerate(IDS)}
    _, rows = canvas_rows(tmp_path, roster=roster)
    assert [r[:5] for r in rows[2:]] == [[f"Last{i}, First", f"40{i}", f"300{i}", f"login{i}", "SEC-001"]
                                         for i in range(len(IDS))]


# ---------------------------------------------------------------- Moodle

def test_moodle_csv_has_identifiers_a_score_and_feedback(tmp_path: Path) -> None:
    paths = run("moodle", tmp_path)
    assert [p.name for p in paths] == ["moodle.csv"]  # no XML without the grade item's ID number
    rows = list(csv.DictReader(paths[0].read_text(encoding="utf-8").splitlines()))
    assert list(rows[0]) == ["Student", "ID number", "Email address", TITLE, f"Feedback for {TITLE}"]
    assert [r["Student"] for r in rows] == IDS
    for row, report in zip(rows, STUDENTS, strict=True):
        assert float(row[TITLE]) == pytest.approx(expected_score(report), abs=0.005)
        assert 0 <= float(row[TITLE]) <= MAX  # Moodle refuses the whole file for one value out of range
    dan = next(r for r in rows if r["Student"] == "dan")
    assert dan[f"Feedback for {TITLE}"] == UNREADABLE
    bob = next(r for r in rows if r["Student"] == "bob")
    assert "sq_loss 2/4" in bob[f"Feedback for {TITLE}"]


def test_moodle_xml_matches_item_and_users_by_id_number(tmp_path: Path) -> None:
    roster = {sid: RosterEntry(student=sid, lms_id=f"u{i}", email=f"{i}@uni.example") for i, sid in enumerate(IDS)}
    paths = run("moodle", tmp_path, roster=roster, moodle_item_idnumber="hw1")
    assert [p.name for p in paths] == ["moodle.csv", "moodle.xml"]
    results = ElementTree.parse(paths[1]).getroot()
    assert results.tag == "results"
    got = results.findall("result")
    assert [(r.findtext("assignment"), r.findtext("student")) for r in got] == [("hw1", f"u{i}")
                                                                                for i in range(len(IDS))]
    for result, report in zip(got, STUDENTS, strict=True):
        assert float(result.findtext("score") or "nan") == pytest.approx(expected_score(report), abs=0.005)
    rows = list(csv.DictReader(paths[0].read_text(encoding="utf-8").splitlines()))
    assert [(r["ID number"], r["Email address"]) for r in rows] == [(f"u{i}", f"{i}@uni.example")
                                                                     for i in range(len(IDS))]


# ---------------------------------------------------------------- JUnit

JUNIT = xmlschema.XMLSchema(SCHEMAS / "junit.xsd")


def test_junit_xml_matches_the_junit_schema(tmp_path: Path) -> None:
    JUNIT.validate(str(run("junit", tmp_path)[0]))


@pytest.mark.parametrize("breaks", ["suite-without-name", "failures-element", "time-with-unit"])
def test_the_junit_schema_rejects_a_broken_document(tmp_path: Path, breaks: str) -> None:
    xml = run("junit", tmp_path)[0].read_text(encoding="utf-8")
    broken = {"suite-without-name": xml.replace('<testsuite name="alice.sq_loss"', "<testsuite", 1),
              "failures-element": xml.replace("<failure ", "<failures ", 1).replace("</failure>", "</failures>", 1),
              "time-with-unit": xml.replace('<testsuite name="alice.sq_loss" time="0.250"',
                                            '<testsuite name="alice.sq_loss" time="0.25s"', 1)}[breaks]
    assert broken != xml and not JUNIT.is_valid(broken)


def test_junit_has_a_suite_per_student_and_exercise_and_a_case_per_check(tmp_path: Path) -> None:
    root = ElementTree.parse(run("junit", tmp_path)[0]).getroot()
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    graded_ids = [s for s in STUDENTS if s["student"] not in ERRORS]
    assert set(suites) == {f"{s['student']}.{e['exercise']}" for s in graded_ids for e in s["exercises"]} | ERRORS
    bob = suites["bob.sq_loss"]
    assert (bob.get("tests"), bob.get("failures"), bob.get("errors"), bob.get("skipped")) == ("4", "1", "0", "1")
    cases = {c.get("name"): c for c in bob.findall("testcase")}
    values = cases[bank.get("sq_loss").check("values").title].find("failure")
    assert values is not None and values.get("message") == BOB["exercises"][0]["tests"][1]["message"].split("\n")[0]
    assert "[1.0, 2.0, 3.0, 4.0]" in (values.text or "")
    assert cases[bank.get("sq_loss").check("grad").title].find("skipped") is not None
    graph = {c.get("name"): c for c in suites["bob.simple_graph"].findall("testcase")}
    for check_id, status in (("values", "error"), ("grad", "timeout")):
        error = graph[bank.get("simple_graph").check(check_id).title].find("error")
        assert error is not None and error.get("type") == status
    assert root.get("tests") == str(sum(len(s.findall("testcase")) for s in suites.values()))


@pytest.mark.parametrize("sid", sorted(ERRORS))
def test_junit_reports_an_unreadable_submission_as_one_error(tmp_path: Path, sid: str) -> None:
    root = ElementTree.parse(run("junit", tmp_path)[0]).getroot()
    suite = next(s for s in root.findall("testsuite") if s.get("name") == sid)
    errors = suite.findall("testcase/error")
    assert len(errors) == 1 and errors[0].get("message") == UNREADABLE and suite.get("errors") == "1"


def test_junit_survives_control_characters_in_student_output(tmp_path: Path) -> None:
    noisy = student("zoe", [graded("sq_loss", {"values": Status.FAILED}, output="\x1b[31mred\x1b[0m\x00 done")])
    path = run("junit", tmp_path, [noisy])[0]
    JUNIT.validate(str(path))
    assert "red" in path.read_text(encoding="utf-8") and "done" in path.read_text(encoding="utf-8")


def _junit_texts(path: Path) -> list[str]:
    """What a person reads in junit.xml: testcase names, messages and bodies (suites and properties hold ids)."""
    root = ElementTree.parse(path).getroot()
    texts = [case.get("name", "") for case in root.iter("testcase")]
    return texts + [t for e in root.iter() if e.tag in ("failure", "error", "skipped")
                    for t in (e.get("message", ""), e.text or "")]


def test_junit_names_the_checks_in_the_exports_language(tmp_path: Path) -> None:
    from test_japanese import english

    root = ElementTree.parse(run("junit", tmp_path / "ja", lang="ja")[0]).getroot()  # a class graded in English
    names = {(s.get("name"), c.get("name")) for s in root.findall("testsuite") for c in s.findall("testcase")}
    assert ("bob.sq_loss", bank.get("sq_loss").check("shape").title) not in names
    assert ("bob.sq_loss", "要素ごとに 1 つの値を保つ") in names and ("dan", "提出物") in names
    assert not [run for _, name in names for run in english(name or "")]
    root = ElementTree.parse(run("junit", tmp_path / "en", lang="en")[0]).getroot()
    names = {(s.get("name"), c.get("name")) for s in root.findall("testsuite") for c in s.findall("testcase")}
    assert ("bob.sq_loss", "keeps one value per element") in names and ("dan", "submission") in names


def test_junit_of_a_class_graded_in_japanese_has_no_english_sentence(tmp_path: Path) -> None:
    from test_japanese import english

    bob = student_json(StudentReport(student="bob", status=StudentStatus.GRADED, exercises=[
        graded("sq_loss", {"values": Status.FAILED, "grad": Status.SKIPPED}),
        graded("simple_graph", {"values": Status.ERROR, "grad": Status.TIMEOUT})]), "ja")
    dan = student_json(StudentReport(student="dan", status=StudentStatus.ERROR,
                                     message="dan.ipynb は途中で切れていて読み込めません。保存し直して再提出してください。"), "ja")
    texts = _junit_texts(run("junit", tmp_path, [bob, dan], lang="ja")[0])
    assert "提出物" in texts
    assert not [run for said in texts for run in english(said)], texts


# ---------------------------------------------------------------- plain CSV

def test_grades_csv_has_one_column_per_exercise(tmp_path: Path) -> None:
    rows = list(csv.DictReader(run("csv", tmp_path)[0].read_text(encoding="utf-8").splitlines()))
    assert list(rows[0]) == ["student", "status", *EXERCISES, "total", "max", "message"]
    assert [r["student"] for r in rows] == IDS
    for row, report in zip(rows, STUDENTS, strict=True):
        listed = {e["exercise"]: e["score"] for e in report["exercises"]}
        for name in EXERCISES:
            want = 0.0 if report["status"] == "error" else listed.get(name, 0.0)
            assert float(row[name]) == pytest.approx(want, abs=0.005)
        assert float(row["total"]) == pytest.approx(expected_score(report), abs=0.005)
        assert (row["status"], float(row["max"]), row["message"]) == (report["status"], MAX, report["message"])


def test_grades_csv_defuses_a_student_id_starting_with_a_formula(tmp_path: Path) -> None:
    rows = list(csv.reader(run("csv", tmp_path, [student("=1+1", [graded("sq_loss")])])[0].read_text().splitlines()))
    assert rows[1][0] == "'=1+1"


# ---------------------------------------------------------------- the Gradescope autograder bundle

def bundle(tmp_path: Path, names: list[str] | None = None, version: str = "0.1.0") -> zipfile.ZipFile:
    return zipfile.ZipFile(build_bundle(names or EXERCISES, tmp_path / "hw1.zip", name="hw1", version_spec=version))


def test_the_bundle_has_both_scripts_executable(tmp_path: Path) -> None:
    members = {i.filename: i for i in bundle(tmp_path).infolist()}
    assert set(members) == {"setup.sh", "run_autograder", "constraints.txt"}
    for script in ("setup.sh", "run_autograder"):
        mode = members[script].external_attr >> 16
        assert stat.S_ISREG(mode) and mode & 0o111 == 0o111, oct(mode)


@pytest.mark.parametrize("script", ["setup.sh", "run_autograder"])
def test_the_bundle_scripts_are_valid_bash(tmp_path: Path, script: str) -> None:
    path = tmp_path / script
    path.write_bytes(bundle(tmp_path).read(script))
    done = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(("version", "requirement"), [("0.1.0", "torchgrader==0.1.0"),
                                                      (">=0.1,<0.2", "'torchgrader>=0.1,<0.2'")])
def test_setup_installs_cpu_torch_then_the_pinned_grader(tmp_path: Path, version: str, requirement: str) -> None:
    zipped = bundle(tmp_path, version=version)
    setup = zipped.read("setup.sh").decode()
    torch_line = next(line for line in setup.splitlines() if "download.pytorch.org/whl/cpu" in line)
    assert "-c constraints.txt" in torch_line and " torch" in torch_line
    assert f"-c constraints.txt {requirement}\n" in setup
    assert setup.index("whl/cpu") < setup.index("torchgrader==" if "==" in requirement else "torchgrader>=")
    pins = zipped.read("constraints.txt").decode().splitlines()
    assert f"torch=={importlib.metadata.version('torch').split('+')[0]}" in pins


@pytest.mark.parametrize("version", ["0.1.0; rm -rf /", "$(id)", ""])
def test_the_bundle_refuses_a_version_that_is_not_one(tmp_path: Path, version: str) -> None:
    with pytest.raises(BadOption):
        bundle(tmp_path, version=version)


def test_the_bundle_expands_an_assignment_and_checks_exercise_names(tmp_path: Path) -> None:
    run_script = bundle(tmp_path, ["nma_w1d2"]).read("run_autograder").decode()
    from grader import bank

    assert f"EXERCISES={','.join(bank.assignment('nma_w1d2')[1].exercises)}\n" in run_script
    with pytest.raises(UnknownExercise):
        bundle(tmp_path, ["sq_los"])


STUB = """#!/usr/bin/env bash
printf '%s\\n' "$@" > "$STUB_ARGS"
out=""; prev=""
for arg in "$@"; do [ "$prev" = "--out" ] && out="$arg"; prev="$arg"; done
case "$STUB_MODE" in
  export) mkdir -p "$out" && cp -r "$STUB_CANNED/." "$out/" ;;
  empty) mkdir -p "$out/exports/gradescope/submission" && : > "$out/exports/gradescope/submission/results.json" ;;
  hang) exec sleep 30 ;;
esac
exit "$STUB_EXIT"
"""


def run_autograder(tmp_path: Path, mode: str, exit_code: int = 0) -> tuple[subprocess.CompletedProcess[str], Path]:
    """Run the bundle's run_autograder in a fake /autograder, with a stub `grader` on PATH."""
    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    script = root / "run_autograder"
    script.write_bytes(bundle(tmp_path).read("run_autograder"))
    script.chmod(0o755)
    stub = tmp_path / "bin" / "grader"
    stub.parent.mkdir()
    stub.write_text(STUB)
    stub.chmod(0o755)
    canned = tmp_path / "canned"  # what the real exporter writes for `--student submission`
    export([student("submission", [graded("sq_loss", {"values": Status.FAILED})])], "gradescope",
           canned / "exports" / "gradescope", exercises=EXERCISES)
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "TORCHGRADER_VENV": str(tmp_path / "no-venv"),
           "PATH": f"{stub.parent}{os.pathsep}{os.environ['PATH']}", "STUB_ARGS": str(tmp_path / "args"),
           "STUB_MODE": mode, "STUB_EXIT": str(exit_code), "STUB_CANNED": str(canned),
           "GRADER_TIME_LIMIT": "0.5" if mode == "hang" else "60"}
    done = subprocess.run([str(script)], env=env, capture_output=True, text=True, timeout=60)
    return done, root / "results" / "results.json"


def test_run_autograder_grades_the_submission_and_copies_the_export(tmp_path: Path) -> None:
    done, results = run_autograder(tmp_path, "export")
    assert done.returncode == 0, done.stderr
    canned = tmp_path / "canned" / "exports" / "gradescope" / "submission" / "results.json"
    assert results.read_bytes() == canned.read_bytes()
    args = (tmp_path / "args").read_text().splitlines()
    assert args[:2] == ["grade", str(tmp_path / "autograder" / "submission")]
    pairs = dict(zip(args[2::2], args[3::2]))
    assert pairs["--student"] == "submission" and pairs["--exercises"] == ",".join(EXERCISES)
    assert pairs["--export"] == "gradescope" and pairs["--out"] == str(tmp_path / "autograder" / "grader-out")
    assert "--quiet" in args


@pytest.mark.parametrize(("mode", "exit_code"), [("crash", 3), ("empty", 0), ("hang", 0)])
def test_run_autograder_always_leaves_a_valid_results_json(tmp_path: Path, mode: str, exit_code: int) -> None:
    done, results = run_autograder(tmp_path, mode, exit_code)
    doc = json.loads(results.read_text())
    GRADESCOPE.validate(doc)
    assert doc["score"] == 0 and "could not grade" in doc["output"]
    assert f"status {124 if mode == 'hang' else exit_code}" in doc["output"]  # timeout(1) exits 124


# ---------------------------------------------------------------- hostile student text, in every format

PAINT = ("\x1b]0;title\x07\x1b]8;;https://evil.example/\x1b\\link\x1b]8;;\x1b\\ \x1b[31mred\x1b[0m \x9b2J "
         "\x7f\x00\u202eevil\u202c \ud800 [bold]x[/bold] <script>alert(1)</script> [a](javascript:alert(1))")
# Raw in a file, any of these reaches the terminal of whoever runs `cat` on it, or breaks the format.
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def painter(sid: str = "=cmd|' /C calc'!A0\x1b[2J") -> dict[str, Any]:
    """A student whose id, printed output, exception message and file name are hostile text."""
    exercise = graded("sq_loss", {"values": Status.FAILED, "shape": Status.ERROR}, output=PAINT)
    exercise.file = f"exercises/{PAINT}.py"
    shape = next(c for c in exercise.checks if c.id == "shape")
    shape.feedback = Feedback(summary=("raised", {"exception": "ValueError", "message": PAINT}), output=PAINT)
    shape.margin = float("nan")
    values = next(c for c in exercise.checks if c.id == "values")
    values.margin = float("inf")
    return student(sid, [exercise])


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_shows_student_text_escaped_and_stays_strict(tmp_path: Path, fmt: str) -> None:
    hostile = [painter(), student("+SUM(A1)\x07", [], error=f"-{PAINT}"), student("@x", [graded("sq_loss")])]
    paths = export(hostile, fmt, tmp_path, exercises=EXERCISES, title=TITLE,
                   options=ExportOptions(moodle_item_idnumber="hw1"))
    written = "".join(p.read_text(encoding="utf-8") for p in paths)
    assert not RAW_CONTROL.search(written), RAW_CONTROL.search(written)
    assert re.search(r"\\+x1b", written)  # shown, as an escape (itself escaped in JSON)
    for path in paths:
        if path.suffix in (".json", ".jsonl"):
            for line in path.read_text(encoding="utf-8").splitlines() if path.suffix == ".jsonl" else [path.read_text()]:
                json.loads(line, parse_constant=lambda name: pytest.fail(f"non-strict JSON constant {name}"))
        elif path.suffix == ".xml":
            ElementTree.parse(path)
        elif path.suffix == ".csv":
            for row in list(csv.reader(path.read_text(encoding="utf-8").splitlines()))[1:]:
                for value in row:
                    assert not value.lstrip(" ").startswith(("=", "+", "-", "@", "\t", "\r")), (path.name, row)


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\uff1d", " =", "\t="])
def test_a_spreadsheet_never_reads_student_text_as_a_formula(start: str) -> None:
    assert cell(f"{start}HYPERLINK(\"http://evil\")").startswith("'")
    assert cell("a = b") == "a = b" and cell("") == ""


def test_student_reports_are_strict_json_with_nan_margins_and_facts() -> None:
    data = painter()
    check = {t["id"]: t for t in data["exercises"][0]["tests"]}
    assert check["shape"]["margin"] is None and check["values"]["margin"] is None  # not a finite ratio
    json.dumps(data, allow_nan=False)  # what DIR/students/*.json is written from
    report = graded("sq_loss", {"values": Status.FAILED})
    report.checks[1].feedback = Feedback(summary=("timeout", {"seconds": float("inf")}),
                                         where=("where_index", {"index": (1,), "diff": float("nan")}))
    facts = student_json(StudentReport(student="x", status=StudentStatus.GRADED, exercises=[report]))
    details = facts["exercises"][0]["tests"][1]["details"]
    assert details["summary"]["seconds"] == "inf" and details["where"]["diff"] == "nan"  # values shown to people
    assert "inf" in facts["exercises"][0]["tests"][1]["message"]
    json.dumps(facts, allow_nan=False)


def test_load_students_refuses_a_report_with_nan(tmp_path: Path) -> None:
    (tmp_path / "students").mkdir()
    (tmp_path / "students" / "x.json").write_text('{"student": "x", "status": "graded", "score": NaN, "exercises": []}')
    with pytest.raises(GraderError, match="NaN"):
        load_students(tmp_path)


def test_prairielearn_says_each_tests_message_once(tmp_path: Path) -> None:
    doc = by_student(run("prairielearn", tmp_path))["bob"]
    failed = next(t for t in doc["tests"] if t["points"] == 0 and "elements differ" in t["message"])
    assert "elements differ" not in failed["output"]
    assert text("hint.sq_loss.square") in failed["output"] and "debug:" in failed["output"]


def test_a_batch_is_called_by_its_title_else_its_assignments_else_its_exercises() -> None:
    from grader.exports import title_of

    assert title_of(EXERCISES, assignment="nma_w1d2", title="HW 1") == "HW 1"
    assert title_of(EXERCISES, assignment="nma_w1d2") == "Neuromatch W1D2 Tutorial 1: autograd and training"
    assert title_of(EXERCISES, assignment="unknown") == "unknown"
    assert title_of(EXERCISES) == "sq_loss, simple_graph"
