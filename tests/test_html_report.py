"""The instructor's report.html: a well-formed self-contained page whose numbers are right."""

from __future__ import annotations

import base64
import html
import io
import re
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from grader.batch.feedback import feedback_filename, feedback_html, feedback_markdown
from grader.batch.html_report import write_report
from grader.batch.model import StudentReport, StudentStatus, student_json
from grader.i18n import text
from grader.results import CheckResult, ExerciseReport, Feedback, Status

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
FAILS = {  # status → the feedback summary the sandbox would have given
    Status.FAILED: ("values_differ", {"count": 2, "total": 3, "percent": "66.7", "path": ""}),
    Status.ERROR: ("raised", {"exception": "ValueError", "message": "bad"}),
    Status.TIMEOUT: ("timeout", {"seconds": 10}),
    Status.MEMORY: ("memory", {"limit_mb": 512, "message": "out of memory"}),
    Status.SKIPPED: ("not_run", {"needs": "shape"}),
}
CHECKS = {"sq_loss": ["shape", "values", "grad"], "my_linear": ["module"]}


def check(check_id: str, status: Status, output: str = "", summary: tuple[str, dict[str, Any]] | None = None,
          points: float = 1) -> CheckResult:
    passed = status is Status.PASSED
    feedback = None if passed else Feedback(summary=summary or FAILS[status], hint="hint.reduced", output=output)
    return CheckResult(id=check_id, title=f"the {check_id} check", status=status,
                       score=points if passed else 0, max_score=points, feedback=feedback)


def graded(name: str, **statuses: list[Status]) -> dict[str, Any]:
    """A graded student: per exercise the status of each of its CHECKS (my_linear's check is worth 2)."""
    exercises = [ExerciseReport(exercise=ex, title=ex.replace("_", " "), file=f"{ex}.py", device="cpu",
                                checks=[check(c, s, points=2 if ex == "my_linear" else 1)
                                        for c, s in zip(CHECKS[ex], ss)])
                 for ex, ss in statuses.items()]
    return student_json(StudentReport(student=name, status=StudentStatus.GRADED, exercises=exercises))


def failed(name: str, message: str = "a.ipynb is not a readable notebook") -> dict[str, Any]:
    return student_json(StudentReport(student=name, status=StudentStatus.ERROR, message=message))


P, F, E, T, S = Status.PASSED, Status.FAILED, Status.ERROR, Status.TIMEOUT, Status.SKIPPED
# Scores 5, 3, 1, 0 (mean 2.25, median 2); sq_loss full marks 1 of 4, my_linear 2 of 4.
CLASS = [
    graded("a", sq_loss=[P, P, P], my_linear=[P]),
    graded("b", sq_loss=[P, F, S], my_linear=[P]),
    graded("c", sq_loss=[P, F, S], my_linear=[E]),
    graded("d", sq_loss=[T, S, S], my_linear=[F]),
    failed("e"),
]


class Page(HTMLParser):
    """The parsed page: whether every tag closes in order, its tables' cell texts, and its links."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.problems: list[str] = []
        self.counts: dict[str, int] = {}
        self.tables: list[list[list[str]]] = []
        self.terms: list[str] = []
        self.urls: list[tuple[str, str]] = []
        self.feed(page)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.counts[tag] = self.counts.get(tag, 0) + 1
        self.urls += [(name, value or "") for name, value in attrs if name in ("src", "href")]
        if tag not in VOID:
            self.open.append(tag)
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self.tables[-1][-1].append("")

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            self.problems.append(f"</{tag}> closes nothing open")

    def handle_data(self, data: str) -> None:
        if {"td", "th"} & set(self.open):
            self.tables[-1][-1][-1] += data
        if self.open and self.open[-1] in ("dt", "dd"):
            self.terms.append(data)

    def table(self, first_header: str) -> list[list[str]]:
        """The rows, header included, of the table whose first column is `first_header`."""
        return next(t for t in self.tables if t[0][0] == first_header)

    def summary(self) -> dict[str, str]:
        return dict(zip(self.terms[::2], self.terms[1::2]))


def report(tmp_path: Path, students: list[dict[str, Any]], exercises: tuple[str, ...] = ("sq_loss", "my_linear"),
           ) -> tuple[str, Page]:
    """Write the batch's outputs as the batch does, feedback files included; return the page."""
    (tmp_path / "students").mkdir(exist_ok=True)
    for student in students:
        path = tmp_path / "students" / feedback_filename(student["student"], ".html")
        path.write_text(feedback_html(student), encoding="utf-8")
        path.with_suffix(".md").write_text(feedback_markdown(student), encoding="utf-8")
    page = write_report(tmp_path, students, title="Week 1 <lab>", exercises=list(exercises)).read_text("utf-8")
    return page, Page(page)


def assert_well_formed(page: str, parsed: Page) -> None:
    assert page.startswith("<!DOCTYPE html>")
    assert not parsed.problems and not parsed.open, (parsed.problems, parsed.open)
    assert [parsed.counts.get(tag) for tag in ("html", "head", "body")] == [1, 1, 1]


def images(parsed: Page) -> list[Image.Image]:
    prefix = "data:image/png;base64,"
    sources = [value for name, value in parsed.urls if name == "src"]
    assert all(source.startswith(prefix) for source in sources), sources
    return [Image.open(io.BytesIO(base64.b64decode(source[len(prefix):], validate=True))) for source in sources]


def test_page_is_well_formed_and_self_contained(tmp_path: Path):
    page, parsed = report(tmp_path, CLASS)
    assert_well_formed(page, parsed)
    pictures = images(parsed)
    assert len(pictures) == 2  # the histogram and the exercise chart
    assert all(p.format == "PNG" and p.width > 0 and p.height > 0 for p in pictures)
    links = [value for name, value in parsed.urls if name == "href"]
    assert len(links) == len(CLASS)
    assert all(link.startswith("students/") and (tmp_path / link).is_file() for link in links), links
    assert "url(" not in page and "<script" not in page
    assert "Week 1 &lt;lab&gt;" in page


def test_links_lead_to_each_students_own_feedback_file(tmp_path: Path):
    ids = ["alice", "Alice", "../x", "CON", "x" * 300, "名前", "a b&c"]
    _, parsed = report(tmp_path, [failed(student_id) for student_id in ids])
    links = [value for name, value in parsed.urls if name == "href"]
    assert len(set(links)) == len(ids) and all((tmp_path / link).is_file() for link in links), links
    for student_id, link in zip(sorted(ids), links):  # the rows are sorted by id
        title = html.escape(text("feedback.title", "en", student=student_id))
        assert f"<title>{title}</title>" in (tmp_path / link).read_text("utf-8")


def test_summary_numbers(tmp_path: Path):
    _, parsed = report(tmp_path, CLASS)
    assert parsed.summary() == {
        "students": "5", "graded": "4", "could not be graded": "1",
        "mean score": "2.25 / 5 (45%)", "median score": "2.00 / 5 (40%)", "full marks": "1",
    }


def test_exercise_pass_rates_and_means(tmp_path: Path):
    _, parsed = report(tmp_path, CLASS)
    assert parsed.table("exercise")[1:] == [
        ["sq_loss", "4", "1", "25%", "1.25 / 3"],
        ["my_linear", "4", "2", "50%", "1.00 / 2"],
    ]


def test_check_counts_by_status(tmp_path: Path):
    _, parsed = report(tmp_path, CLASS)
    checks = next(t for t in parsed.tables if t[0][:2] == ["exercise", "check"])
    assert checks[0][2:] == ["passed", "failed", "error", "timeout", "memory", "skipped", "pass rate"]
    assert checks[1:] == [
        ["sq_loss", "the shape check", "3", "0", "0", "1", "0", "0", "75%"],
        ["sq_loss", "the values check", "1", "2", "0", "0", "0", "1", "25%"],
        ["sq_loss", "the grad check", "1", "0", "0", "0", "0", "3", "25%"],
        ["my_linear", "the module check", "2", "1", "1", "0", "0", "0", "50%"],
    ]


def test_rates_count_only_the_students_graded_on_that_exercise(tmp_path: Path):
    _, parsed = report(tmp_path, [graded("a", sq_loss=[P, P, P], my_linear=[P]), graded("b", sq_loss=[F, S, S])])
    assert parsed.table("exercise")[2] == ["my_linear", "1", "1", "100%", "2.00 / 2"]
    checks = next(t for t in parsed.tables if t[0][:2] == ["exercise", "check"])
    assert checks[-1] == ["my_linear", "the module check", "1", "0", "0", "0", "0", "0", "100%"]


def test_most_common_failures_group_by_check_and_kind(tmp_path: Path):
    _, parsed = report(tmp_path, CLASS)
    rows = parsed.table("students")[1:]
    assert [row[:4] for row in rows] == [
        ["2", "sq_loss", "the values check", "wrong values"],
        ["1", "my_linear", "the module check", "raised ValueError"],  # ties: in the order first met
        ["1", "sq_loss", "the shape check", "too slow"],
        ["1", "my_linear", "the module check", "wrong values"],
    ]
    assert rows[0][4].startswith("2 / 3 elements differ (66.7%)")
    assert not any("not" in row[3] for row in rows)  # a skip only echoes another failure


def test_failures_are_named_in_words_and_a_cause_in_the_submission_is_one_row_per_exercise(tmp_path: Path):
    stub = [CheckResult(id=f"check{i}", title=f"check {i}", status=E, score=0, max_score=1,
                        feedback=Feedback(summary=("not_implemented", {}))) for i in range(12)]
    lazy = [student_json(StudentReport(student=name, status=StudentStatus.GRADED, exercises=[
        ExerciseReport(exercise="sq_loss", title="", file="", device="cpu", checks=stub)])) for name in ("x", "y")]
    _, parsed = report(tmp_path, [*lazy, graded("b", sq_loss=[P, F, S])])
    rows = parsed.table("students")[1:]
    assert [row[:4] for row in rows] == [["2", "sq_loss", "every check", "not implemented yet"],
                                         ["1", "sq_loss", "the values check", "wrong values"]]
    assert not any("_" in row[3] for row in rows)  # words, not message ids


def test_failures_keep_the_top_fifteen(tmp_path: Path):
    kinds = [check(f"check{i}", F) for i in range(20)]
    student = student_json(StudentReport(student="x", status=StudentStatus.GRADED, exercises=[
        ExerciseReport(exercise="sq_loss", title="", file="", device="cpu", checks=kinds)]))
    _, parsed = report(tmp_path, [student])
    assert len(parsed.table("students")) == 1 + 15


def test_one_row_per_student_with_scores_and_errors(tmp_path: Path):
    page, parsed = report(tmp_path, CLASS)
    rows = next(t for t in parsed.tables if t[0][:3] == ["student", "status", "score"])
    assert rows[0] == ["student", "status", "score", "sq_loss", "my_linear", ""]
    assert rows[2] == ["b", "graded", "3 / 5", "1 / 3", "2 / 2", "feedback"]
    assert rows[5] == ["e", "error", "a.ipynb is not a readable notebook", "feedback"]
    assert '<tr class="error"><td>e</td>' in page


def test_student_ids_and_output_are_escaped(tmp_path: Path):
    evil = "<script>alert(1)</script>"
    exercise = ExerciseReport(exercise="sq_loss", title="", file="", device="cpu",
                              checks=[check("shape", F, output="</pre><script>x()</script>")])
    student = student_json(StudentReport(student=evil, status=StudentStatus.GRADED, exercises=[exercise]))
    page, parsed = report(tmp_path, [student, failed('a "quoted", <b>bold</b> é/ü', message="<i>oops</i>")])
    assert_well_formed(page, parsed)
    assert "<script" not in page and "<i>" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    sheet = (tmp_path / "students" / feedback_filename(evil, ".html")).read_text("utf-8")
    assert "<script" not in sheet and "&lt;/pre&gt;&lt;script&gt;x()" in sheet
    assert_well_formed(sheet, Page(sheet))


@pytest.mark.parametrize("students", [
    pytest.param([], id="no students"),
    pytest.param([failed("x"), failed("y")], id="all errors"),
    pytest.param([graded("solo", sq_loss=[P, F, S])], id="one student"),
    pytest.param([student_json(StudentReport(student="blank", status=StudentStatus.GRADED))], id="no exercises"),
])
def test_edge_cases_give_a_well_formed_page(tmp_path: Path, students: list[dict[str, Any]]):
    page, parsed = report(tmp_path, students)
    assert_well_formed(page, parsed)
    assert parsed.summary()["students"] == str(len(students))
    assert parsed.summary()["full marks"] == "0"  # no check at all is not full marks
    assert len(parsed.table("student")) == 1 + len(students)
    assert all(p.width > 0 for p in images(parsed))


def test_without_graded_students_there_is_nothing_to_plot(tmp_path: Path):
    page, parsed = report(tmp_path, [failed("x")])
    assert not images(parsed)
    assert "no scores to plot" in page
    assert parsed.summary()["mean score"] == "–"


def test_three_hundred_students_in_under_two_seconds(tmp_path: Path):
    report(tmp_path, CLASS[:1])  # matplotlib's import is paid once per process
    students = [CLASS[i % 5] | {"student": f"s{i:03}"} for i in range(300)]
    start = time.perf_counter()
    page = write_report(tmp_path, students, title="big", exercises=list(CHECKS)).read_text("utf-8")
    assert time.perf_counter() - start < 2
    assert page.count("data:image/png") == 2  # one chart per kind of chart, not per student


def test_control_characters_in_student_text_are_shown_escaped(tmp_path: Path):
    paint = "\x1b]0;title\x07\x1b[31mred\x9b2J\x7f\u202eevil"
    exercise = ExerciseReport(exercise="sq_loss", title="", file=f"{paint}.py", device="cpu",
                              checks=[check("shape", F, output=paint,
                                            summary=("raised", {"exception": "ValueError", "message": paint}))])
    student = student_json(StudentReport(student=f"amy{paint}", status=StudentStatus.GRADED, exercises=[exercise]))
    page, parsed = report(tmp_path, [student, failed(f"bo{paint}", message=paint)])
    assert_well_formed(page, parsed)
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]", page)
    assert "amy\\x1b]0;title\\x07" in page and "\\u202eevil" in page


# ---------------------------------------------------------------- the page in the batch's language

REAL_CHECKS = {"sq_loss": ["shape", "values", "grad"], "my_linear": ["parameters"]}  # titled in en and ja by the bank


def graded_in(lang: str, name: str, **statuses: list[Status]) -> dict[str, Any]:
    """A graded student on the bank's own checks, rendered in `lang` as a batch run with --lang renders it."""
    exercises = [ExerciseReport(exercise=ex, title="", file=f"{ex}.py", device="cpu",
                                checks=[check(c, s) for c, s in zip(REAL_CHECKS[ex], ss)])
                 for ex, ss in statuses.items()]
    return student_json(StudentReport(student=name, status=StudentStatus.GRADED, exercises=exercises), lang)


class Words(HTMLParser):
    """Every text a person reads on the page: its data, and the images' alternative texts."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.feed(page)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.texts += [value or "" for name, value in attrs if name == "alt"]

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.texts.append(data)


def class_in(lang: str) -> list[dict[str, Any]]:
    stub = [check("shape", E, summary=("not_implemented", {})), check("values", S), check("grad", S)]
    lazy = student_json(StudentReport(student="d", status=StudentStatus.GRADED, exercises=[
        ExerciseReport(exercise="sq_loss", title="", file="", device="cpu", checks=stub)]), lang)
    unreadable = {"en": "a.ipynb is not a readable notebook", "ja": "a.ipynb は読み込めるノートブックではありません"}[lang]
    return [graded_in(lang, "a", sq_loss=[P, P, P], my_linear=[P]), graded_in(lang, "b", sq_loss=[P, F, S],
            my_linear=[E]), graded_in(lang, "c", sq_loss=[T, S, S], my_linear=[F]), lazy, failed("e", unreadable)]


def test_the_page_speaks_japanese_under_lang_ja(tmp_path: Path):
    from test_japanese import english

    page = write_report(tmp_path, class_in("ja"), title="第 1 週", exercises=list(REAL_CHECKS), lang="ja")
    html_text = page.read_text("utf-8")
    assert '<html lang="ja">' in html_text
    words = Words(html_text).texts
    leaks = [run for said in words for run in english(said)]
    assert not leaks, leaks
    english_words = {text(f"class.{label}", "en") for label in ("students", "graded", "mean", "pass_rate", "check",
                                                                "kind", "feedback", "status.passed", "kind.too_slow")}
    assert not english_words & {said.strip() for said in words}
    parsed = Page(html_text)
    assert parsed.summary()[text("class.students", "ja")] == "5"
    failures = parsed.table(text("class.students", "ja"))
    assert sorted(row[3] for row in failures[1:]) == sorted(["値が違う", "ValueError を送出した", "時間切れ", "値が違う",
                                                            "未実装"])
    assert [row[2] for row in failures[1:] if row[3] == "未実装"] == ["すべてのチェック"]


def test_the_page_speaks_english_under_lang_en(tmp_path: Path):
    page = write_report(tmp_path, class_in("en"), title="Week 1", exercises=list(REAL_CHECKS), lang="en")
    html_text = page.read_text("utf-8")
    assert '<html lang="en">' in html_text
    for said in ("Score distribution", "Most common failures (top 15; each cause counted once per student",
                 "histogram of the students&#x27; scores", "horizontal axis: score", "pass rate (full marks)",
                 "raised ValueError", "every check", ">feedback<", ">graded<"):
        assert said in html_text, said
    assert not re.search("[\u3040-\u30ff\u4e00-\u9fff]", html_text)  # no Japanese on an English page
