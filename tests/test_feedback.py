"""Each student's feedback file: what went wrong, in their language, with everything they control escaped."""

from __future__ import annotations

import html
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt
from rich.console import Console
from test_html_report import F, P, S, Page, assert_well_formed, check, failed

from grader.batch.feedback import feedback_filename, feedback_html, feedback_markdown
from grader.batch.model import StudentReport, StudentStatus, student_json
from grader.batch.names import MAX_STEM, student_file_name
from grader.i18n import text
from grader.report import render, to_html
from grader.results import CellFailure, ExerciseReport, Status

Render = Callable[[dict[str, Any], str], str]
FORMATS = [pytest.param(feedback_html, id="html"), pytest.param(feedback_markdown, id="markdown")]
LABELS = ("feedback.check", "feedback.score", "report.hint", "report.output", "report.total")


def student(*checks: Any, name: str = "amy", title: str = "Squared error") -> dict[str, Any]:
    exercise = ExerciseReport(exercise="sq_loss", title=title, file="sq_loss.py", device="cpu",
                              checks=list(checks))
    return student_json(StudentReport(student=name, status=StudentStatus.GRADED, exercises=[exercise]))


def markdown_to_html(markdown: str) -> str:
    """How a Markdown viewer shows the file: CommonMark with tables and raw HTML allowed."""
    return MarkdownIt("commonmark").enable("table").render(markdown)


AMY = student(check("shape", P), check("values", F, output="tensor([1., 2.])\n"), check("grad", S))


@pytest.mark.parametrize("render", FORMATS)
def test_a_check_that_did_not_pass_shows_its_message_hint_and_output(render: Render):
    sheet = html.unescape(render(AMY, "en"))
    assert "3 / 3 elements differ" not in sheet and "2 / 3 elements differ (66.7%)" in sheet
    assert text("hint.reduced") in sheet
    assert "tensor([1., 2.])" in sheet
    assert "not run: 'shape' did not pass" in sheet
    assert "total: 1 / 3" in sheet


def test_a_passed_check_is_one_row_without_details():
    sheet = feedback_markdown(AMY)
    assert "| ✓ | the shape check | 1 / 1 |" in sheet
    assert [line for line in sheet.splitlines() if line.startswith("###")] == [
        "### ✗ the values check (0 / 1)", "### – the grad check (0 / 1)"]
    assert feedback_html(AMY).count("<pre>") == 3  # values: message and output; grad: message; shape: none


@pytest.mark.parametrize("render", FORMATS)
def test_a_submission_that_could_not_be_graded_shows_why(render: Render):
    sheet = render(failed("bo", message="bo.ipynb is cut off: save it again"), "en")
    assert text("feedback.not_graded") in sheet and "bo.ipynb is cut off: save it again" in sheet


def test_the_error_message_stands_out():
    sheet = feedback_html(failed("bo", message="cut off"))
    assert re.search(r'<div class="error"><strong>[^<]+</strong><pre>cut off</pre></div>', sheet)
    assert "> **Your submission could not be graded**" in feedback_markdown(failed("bo"))


@pytest.mark.parametrize("render", FORMATS)
def test_no_exercises_says_so(render: Render):
    sheet = render(student_json(StudentReport(student="cy", status=StudentStatus.GRADED)), "en")
    assert text("feedback.no_exercises") in sheet


@pytest.mark.parametrize("render", FORMATS)
def test_long_output_keeps_its_end(render: Render):
    output = "".join(f"line {i}\n" for i in range(100))
    sheet = render(student(check("values", F, output=output)), "en")
    assert "line 99" in sheet and "line 80" in sheet and "line 79" not in sheet
    assert "[… 80 earlier lines not shown]" in sheet


def test_html_feedback_is_well_formed_and_escaped():
    evil = student(check("values", Status.ERROR, output="</pre><script>x()</script>"),
                   name="<script>alert(1)</script>", title='<img src="http://x">')
    sheet = feedback_html(evil)
    assert_well_formed(sheet, Page(sheet))
    assert not Page(sheet).urls
    assert "<script" not in sheet and "&lt;/pre&gt;&lt;script&gt;x()&lt;/script&gt;" in sheet
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in sheet


def test_markdown_fence_is_longer_than_any_backticks_in_the_output():
    output = "a ```` b\n```\n`````"
    shown = markdown_to_html(feedback_markdown(student(check("values", F, output=output))))
    assert "<pre><code class=\"language-text\">a ```` b\n```\n`````\n</code></pre>" in shown


def test_markdown_shows_student_text_as_text():
    evil = student(check("values", F, output="</pre><script>x()</script>"), name="<script>alert(1)</script>",
                   title="a | b *c* [d](http://x)")
    shown = markdown_to_html(feedback_markdown(evil))
    assert "<script" not in shown and "<a " not in shown and "<em>" not in shown
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown
    assert "a | b *c* [d](http://x)" in shown
    rows = re.findall(r"<tr>(.*?)</tr>", shown, re.S)
    assert [row.count("<td") for row in rows[1:]] == [3]  # the "|" in a title does not add a cell


def test_japanese_labels():
    sheet = feedback_html(AMY, "ja")
    assert '<html lang="ja">' in sheet
    for label in LABELS:
        assert text(label, "ja") != text(label, "en")
        assert text(label, "ja") in sheet and f">{text(label, 'en')}" not in sheet
    assert text("feedback.title", "ja", student="amy") in feedback_markdown(AMY, "ja")


TRICKY_IDS = ["alice", "Alice", "ALICE", "a b", "a_b", "a/b", "a\\b", "..", ".hidden", "-rf", "", "é", "e\u0301", "e",
              "chloé, \"c\"", "<script>alert(1)</script>", "x" * 300, "x" * 301, "con", "CON", "con_", "con.txt",
              "Nul", "com1", "lpt9.tar.gz", "../x", "../../etc/passwd", "a.", "名前", "alice-0123456789", "a\udcff"]
WINDOWS_DEVICES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


def test_file_names_are_safe():
    for student_id in TRICKY_IDS:
        name = student_file_name(student_id, ".html")
        assert re.fullmatch(r"[a-z0-9_][a-z0-9._-]{0,80}\.html", name), (student_id, name)
        assert name.split(".")[0] not in WINDOWS_DEVICES and not name.removesuffix(".html").endswith(".")


def test_file_names_differ_for_different_ids_even_ignoring_case():
    names = {student_file_name(student_id, ".md").lower() for student_id in TRICKY_IDS}
    assert len(names) == len(TRICKY_IDS)


def test_a_plain_id_keeps_its_name():
    assert student_file_name("alice", ".html") == "alice.html"
    assert student_file_name("s1234.lee", ".md") == "s1234.lee.md"
    assert student_file_name("submission") == "submission"  # the Gradescope bundle reads gradescope/submission/
    assert student_file_name("Alice", ".html").startswith("alice-")


def test_ids_that_differ_only_by_case_get_names_that_do_too():
    names = [student_file_name(student_id, ".html") for student_id in ("alice", "Alice", "aLiCe")]
    assert names[0] == "alice.html" and len({name.casefold() for name in names}) == 3


@pytest.mark.parametrize("student_id", ["con", "CON", "con.txt", "Nul", "COM1", "lpt9.tar.gz", "aux"])
def test_a_windows_device_name_is_never_used(student_id: str):
    name = student_file_name(student_id, ".html")
    device = student_id.lower().split(".")[0]
    assert name.split(".")[0] not in WINDOWS_DEVICES and name.startswith(device + "_")


@pytest.mark.parametrize("student_id", ["../x", "../../etc/passwd", "a/../../b", "/abs", "..\\x", "-rf", "."])
def test_a_path_in_an_id_stays_in_the_folder(tmp_path: Path, student_id: str):
    name = student_file_name(student_id, ".html")
    assert (tmp_path / name).resolve().parent == tmp_path.resolve()
    assert not name.startswith((".", "-")) and "/" not in name and "\\" not in name


def test_a_long_id_gets_a_bounded_name_of_its_own():
    names = {student_file_name(student_id, ".html") for student_id in ("x" * 300, "x" * 301, "x" * 64 + "y")}
    assert len(names) == 3 and all(len(name) <= MAX_STEM + 11 + len(".html") for name in names)
    assert student_file_name("x" * MAX_STEM) == "x" * MAX_STEM


def test_a_unicode_id_gets_an_ascii_name_of_its_own():
    ids = ["名前", "名字", "é", "e\u0301", "e", "Ω", "a\udcff"]  # the last: a file name that is not UTF-8
    names = [student_file_name(student_id, ".md") for student_id in ids]
    assert all(name.isascii() for name in names) and len(set(names)) == len(ids)
    assert names[4] == "e.md"


def test_feedback_files_are_named_by_the_one_rule():
    assert feedback_filename is student_file_name  # what grader.batch.run writes; report links and exports use it


# ---------------------------------------------------------------- hostile text: terminal, Markdown, HTML

PAINT = ("\x1b]0;title\x07\x1b]8;;https://evil.example/\x1b\\link\x1b]8;;\x1b\\ \x1b[31mred\x1b[0m \x9b2J \x7f\x00"
         "\u202eevil\u202c [bold red]markup[/bold red] <script>alert(1)</script> [a](javascript:alert(1))")
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
RICH_STYLE = re.compile(r"\x1b\[[0-9;]*m")  # the colours rich itself writes to a terminal
ADVERSARIAL = Path(__file__).resolve().parent / "adversarial"


def painted_report() -> ExerciseReport:
    """An exercise report whose every student-controlled text is hostile."""
    checks = [check("shape", Status.ERROR, output=f"{PAINT}\nline 2\rover"),
              check("values", F, summary=("raised_at", {"exception": "ValueError", "message": PAINT, "line": 3,
                                                        "code": PAINT}))]
    checks[0].feedback.summary = ("raised", {"exception": "ValueError", "message": PAINT})
    cells = [CellFailure(cell=2, status="error", exception="ValueError", message=f"- {PAINT}", line=1, code=PAINT),
             CellFailure(cell=4, status="died", message=PAINT)]
    return ExerciseReport(exercise="sq_loss", title="Squared error", file=f"{PAINT}.ipynb", device="cpu",
                          checks=checks, cells=cells)


def terminal(report: ExerciseReport, lang: str = "en", *, colours: bool) -> str:
    console = Console(file=io.StringIO(), force_terminal=colours, width=100, color_system="truecolor" if colours else None)
    render(report, console, lang)
    shown = console.file.getvalue()
    return RICH_STYLE.sub("", shown) if colours else shown


@pytest.mark.parametrize("colours", [False, True], ids=["pipe", "terminal"])
@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_terminal_view_shows_control_characters_escaped_and_no_markup(colours: bool, lang: str):
    shown = terminal(painted_report(), lang, colours=colours)
    assert not RAW_CONTROL.search(shown.replace("\n", "")), RAW_CONTROL.search(shown.replace("\n", ""))
    flat = re.sub(r"\s+", "", shown)
    assert "\\x1b]0;title\\x07" in flat and "\\x9b2J" in flat and "\\u202eevil" in flat and "\\rover" in flat
    assert "[boldred]markup[/boldred]" in flat  # shown as typed, not turned into style


def test_the_jupyter_view_shows_control_characters_escaped():
    page = to_html(painted_report())
    assert not RAW_CONTROL.search(page) and "<script" not in page and "\\x1b]0;title" in page


@pytest.mark.parametrize("render_sheet", FORMATS)
def test_feedback_files_show_control_characters_escaped(render_sheet: Render):
    report = painted_report()
    data = student_json(StudentReport(student=f"amy{PAINT}", status=StudentStatus.GRADED, exercises=[report]))
    sheet = render_sheet(data, "en")
    assert not RAW_CONTROL.search(sheet), RAW_CONTROL.search(sheet)
    assert "x1b]0;title" in sheet and "u202eevil" in sheet


def test_markdown_student_lines_make_no_link_html_heading_or_list():
    report = painted_report()
    report.file = "- hw.ipynb"  # a line of its own in the file: a list item, unless escaped
    data = student_json(StudentReport(student="# amy", status=StudentStatus.GRADED, exercises=[report]))
    shown = markdown_to_html(feedback_markdown(data))
    assert "<script" not in shown and "<a " not in shown and "javascript:alert(1)" in shown
    assert shown.count("<h1>") == 1 and shown.count("<ul>") == 1 and "- hw.ipynb" in shown
    for start in ("1. x", "+ x", "=== x"):
        report.file = start
        sheet = markdown_to_html(feedback_markdown(student_json(StudentReport(
            student="amy", status=StudentStatus.GRADED, exercises=[report]))))
        assert "<ol>" not in sheet and sheet.count("<ul>") == 1 and sheet.count("<h1>") == 1, start
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown


def test_grader_check_prints_student_text_escaped_on_the_terminal(run_grader):
    run = run_grader("check", "sq_loss", "--file", ADVERSARIAL / "text_terminal_painter.py")
    assert run.code == 1 and "Traceback" not in run.stdout + run.stderr, run.stderr[-2000:]
    assert not RAW_CONTROL.search(run.stdout.replace("\n", "")), run.stdout[:1000]
    flat = re.sub(r"\s+", "", run.stdout)
    assert "\\x1b]0;pwnedtitle\\x07" in flat and "markup[/boldred]" in flat
