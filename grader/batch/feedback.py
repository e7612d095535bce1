"""Each student's feedback file, HTML and Markdown, from their batch report (`student_json`).

Every piece of text goes through `grader.text.printable` (control characters shown as escapes),
then the format's own escaping: `escape` for HTML, `_md` or `fence` for Markdown.
"""

from __future__ import annotations

import html
import re
from typing import Any

from grader.batch.names import student_file_name
from grader.i18n import check_title, text, title
from grader.text import printable

feedback_filename = student_file_name  # the name grader.batch.run writes the feedback files under
MARKS = {"passed": "✓", "skipped": "–", "timeout": "⏱"}  # every other status is a ✗
OUTPUT_LINES = 20
OUTPUT_CHARS = 2000
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|&~#])")
_MARKDOWN_BLOCK_START = re.compile(r"[-+=]|\d+[.)]")  # at a line's start: a list item, a heading underline

CSS = """body{font:15px/1.5 system-ui,sans-serif;max-width:52em;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;width:100%}td,th{padding:.2em .5em;text-align:left;vertical-align:top}
tr.check td{border-top:1px solid #ddd}td.score{text-align:right;white-space:nowrap}
.passed{color:#080}.failed{color:#b00}.skipped{color:#888}.hint{color:#850}
pre{background:#f4f4f4;padding:.5em;white-space:pre-wrap;overflow-wrap:anywhere;margin:.2em 0}
.error{background:#fde8e8;border-left:4px solid #b00;padding:.5em 1em}"""


def failed_cells(exercise: dict[str, Any], lang: str) -> list[str]:
    """An exercise's failed notebook cells (its JSON's `cells`, their facts), as report.cell_lines words them."""
    from grader.report import cell_lines
    from grader.results import CellFailure

    fields = set(CellFailure.model_fields)
    cells = [CellFailure.model_validate({k: v for k, v in cell.items() if k in fields})
             for cell in exercise.get("cells", [])]
    return cell_lines(cells, lang, int(exercise.get("cells_omitted", 0)))


def notebooks(student: dict[str, Any], lang: str) -> list[tuple[str, list[str]]]:
    """Each graded file with failed cells, once however many exercises it was graded for: (file, lines)."""
    found: dict[str, list[str]] = {}
    for exercise in student["exercises"]:
        lines = failed_cells(exercise, lang)
        if lines:
            found.setdefault(str(exercise.get("file", "")), lines)
    return list(found.items())


def mark(status: str) -> str:
    return MARKS.get(status, "✗")


def points(score: float, max_score: float) -> str:
    return f"{score:g} / {max_score:g}"


def trim_output(output: str, lang: str, omitted: int = 0) -> str:
    """The end of what was printed (where the errors are), at most OUTPUT_LINES lines and OUTPUT_CHARS, after
    a line saying how many earlier lines are not shown (`omitted` of them the grader did not keep)."""
    lines = output.rstrip().splitlines()
    shown = "\n".join(lines[-OUTPUT_LINES:])[-OUTPUT_CHARS:]
    dropped = omitted + len(lines) - shown.count("\n") - 1
    return f"{text('feedback.trimmed', lang, count=dropped)}\n{shown}" if dropped > 0 else shown


def escape(value: object) -> str:
    """Text for HTML: control characters shown as escapes (`printable`), then `&<>"'` escaped."""
    return html.escape(printable(value))


def element(tag: str, *children: str, **attrs: str) -> str:
    """`<tag attrs>children</tag>`; children are HTML already, attribute values are escaped here.

    `class_` stands for `class`.
    """
    attributes = "".join(f' {name.rstrip("_")}="{escape(printable(value, lines=False))}"'
                         for name, value in attrs.items())
    return f"<{tag}{attributes}>{''.join(children)}</{tag}>"


def feedback_html(student: dict[str, Any], lang: str = "en") -> str:
    """One self-contained page: the total, then per exercise its checks and what went wrong."""
    title = escape(text("feedback.title", lang, student=student["student"]))
    body = [element("h1", title)]
    body.append(element("p", element("strong", f"{escape(text('report.total', lang))}: "
                                     f"{points(student['score'], student['max_score'])}")))
    if student["status"] == "error":
        body.append(element("div", element("strong", escape(text("feedback.not_graded", lang))),
                            element("pre", escape(student["message"])), class_="error"))
    elif not student["exercises"]:
        body.append(element("p", escape(text("feedback.no_exercises", lang))))
    files = notebooks(student, lang)
    for file, lines in files:
        named = f" {escape(file)}" if len(files) > 1 else ""
        body += [element("p", element("strong", escape(text("feedback.cells", lang))) + named),
                 element("ul", *(element("li", escape(line)) for line in lines))]
    body += [_exercise_html(exercise, lang) for exercise in student["exercises"]]
    head = '<meta charset="utf-8">' + element("title", title) + element("style", CSS)
    return "<!DOCTYPE html>\n" + element("html", element("head", head), element("body", *body), lang=lang)


def _exercise_html(exercise: dict[str, Any], lang: str) -> str:
    heading = element("h2", escape(f"{exercise['exercise']} — {_title(exercise, lang)}"))
    about = element("p", escape(f"{exercise['file']} · {points(exercise['score'], exercise['max_score'])}"))
    header = element("tr", element("th", ""), element("th", escape(text("feedback.check", lang))),
                     element("th", escape(text("feedback.score", lang))))
    from grader.report import shows_load_output

    rows = [header] + [row for test in exercise["tests"] for row in _test_rows_html(exercise, test, lang)]
    loaded = ""
    if shows_load_output(exercise.get("load_failed") is True, str(exercise.get("load_output", ""))):
        loaded = element("p", escape(text("report.load_output", lang)) + ":") + element(
            "pre", escape(trim_output(exercise["load_output"], lang, int(exercise.get("load_output_omitted", 0)))))
    return heading + about + loaded + element("table", *rows)


def _test_rows_html(exercise: dict[str, Any], test: dict[str, Any], lang: str) -> list[str]:
    status = "passed" if test["status"] == "passed" else "skipped" if test["status"] == "skipped" else "failed"
    row = element("tr", element("td", mark(test["status"]), class_=status, title=test["status"]),
                  element("td", escape(_name(exercise, test, lang))),
                  element("td", points(test["score"], test["max_score"]), class_="score"), class_="check")
    if test["status"] == "passed":
        return [row]
    parts = [element("pre", escape(test["message"]))] if test["message"] else []
    if test["hint"]:
        parts.append(element("p", f"{escape(text('report.hint', lang))}: {escape(test['hint'])}",
                             class_="hint"))
    if test["output"].strip():
        parts += [element("p", escape(text("report.output", lang)) + ":"),
                  element("pre", escape(trim_output(test["output"], lang, int(test.get("output_omitted", 0)))))]
    return [row, element("tr", element("td", ""), element("td", *parts, colspan="2"))]


def feedback_markdown(student: dict[str, Any], lang: str = "en") -> str:
    """The same feedback as Markdown: student text is escaped, or fenced where it is verbatim."""
    out = [f"# {_md(text('feedback.title', lang, student=student['student']))}", "",
           f"**{_md(text('report.total', lang))}: {points(student['score'], student['max_score'])}**", ""]
    if student["status"] == "error":
        out += [f"> **{_md(text('feedback.not_graded', lang))}**", "", fence(student["message"]), ""]
    elif not student["exercises"]:
        out += [_md(text("feedback.no_exercises", lang)), ""]
    files = notebooks(student, lang)
    for file, lines in files:
        named = f" {_md(file)}" if len(files) > 1 else ""
        out += [f"**{_md(text('feedback.cells', lang))}**{named}", ""] + [f"- {_md(line)}" for line in lines] + [""]
    for exercise in student["exercises"]:
        out += _exercise_markdown(exercise, lang)
    return "\n".join(out)


def _exercise_markdown(exercise: dict[str, Any], lang: str) -> list[str]:
    from grader.report import shows_load_output

    out = [f"## {_md(exercise['exercise'])} — {_md(_title(exercise, lang))}", "",
           f"{_md(exercise['file'])} · {points(exercise['score'], exercise['max_score'])}", "",
           f"| | {_md(text('feedback.check', lang))} | {_md(text('feedback.score', lang))} |", "|---|---|--:|"]
    out += [f"| {mark(t['status'])} | {_md(_name(exercise, t, lang))} | {points(t['score'], t['max_score'])} |"
            for t in exercise["tests"]]
    out.append("")
    if shows_load_output(exercise.get("load_failed") is True, str(exercise.get("load_output", ""))):
        out += [f"**{_md(text('report.load_output', lang))}:**", "",
                fence(trim_output(exercise["load_output"], lang, int(exercise.get("load_output_omitted", 0)))), ""]
    for test in exercise["tests"]:
        if test["status"] != "passed":
            out += _test_markdown(exercise, test, lang)
    return out


def _test_markdown(exercise: dict[str, Any], test: dict[str, Any], lang: str) -> list[str]:
    out = [f"### {mark(test['status'])} {_md(_name(exercise, test, lang))} ({points(test['score'], test['max_score'])})", ""]
    if test["message"]:
        out += [fence(test["message"]), ""]
    if test["hint"]:
        out += [f"**{_md(text('report.hint', lang))}:** {_md(test['hint'])}", ""]
    if test["output"].strip():
        out += [f"**{_md(text('report.output', lang))}:**", "",
                fence(trim_output(test["output"], lang, int(test.get("output_omitted", 0)))), ""]
    return out


def _title(exercise: dict[str, Any], lang: str) -> str:
    """The exercise's title in `lang` (`grader.i18n.title`: a gradebook written by an older grader has English
    titles)."""
    return printable(title(str(exercise["exercise"]), lang, str(exercise["title"])))


def _name(exercise: dict[str, Any], test: dict[str, Any], lang: str) -> str:
    """A check's title in `lang`, as `_title`."""
    return printable(check_title(str(exercise["exercise"]), str(test.get("id", "")), lang, str(test["name"])))


def fence(content: str) -> str:
    """`content` verbatim in a fenced block whose fence is longer than any run of backticks inside."""
    content = printable(content)
    longest = max((len(run) for run in re.findall(r"`+", content)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}text\n{content}\n{ticks}"


def _md(value: str) -> str:
    """One line of plain text in Markdown: no markup, no HTML, no link, no heading or list, no table cell break."""
    line = _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(printable(value).split()))
    marker = _MARKDOWN_BLOCK_START.match(line)
    if marker:  # a list marker or heading underline at the start: escape its last character
        line = f"{line[:marker.end() - 1]}\\{line[marker.end() - 1:]}"
    return line
