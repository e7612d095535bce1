"""Results → words: the rich terminal table and the contract's JSON report.

Student text is shown through `grader.text.printable` here, at the edge, and never as rich
markup: every piece of text is a `rich.text.Text`, whose content is never parsed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderableType
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from grader.i18n import check_title, text, title
from grader.keys import parse, said
from grader.results import CellFailure, CheckResult, ExerciseReport, Feedback, Status
from grader.text import finite, printable
from grader.errors import GraderError
from grader.validate import Flaky, Verdict

if TYPE_CHECKING:
    from grader.api import AssignmentReport
    from grader.bank import Bank

MARKS = {Status.PASSED: ("✓", "green"), Status.FAILED: ("✗", "red"), Status.ERROR: ("✗", "red"),
         Status.TIMEOUT: ("⏱", "red"), Status.MEMORY: ("✗", "red"), Status.SKIPPED: ("–", "dim")}


def _say(message: tuple[str, dict[str, Any]] | None, lang: str) -> str:
    """One part of the feedback in words, its student text shown escaped (`printable`)."""
    if message is None:
        return ""
    message_id, params = message
    # A report read back from the gradebook has JSON lists where shapes and indices were tuples.
    params = {key: tuple(value) if isinstance(value, list) else value for key, value in params.items()}
    # an observation's key, or a check's title (grader.keys), said in `lang`
    params = {key: said(value, lang) if parse(value) else value for key, value in params.items()}
    if "path" in params:
        params["path"] = text("path", lang, path=params["path"]) if params["path"] else ""
    return printable(text(message_id, lang, **params))


def message_lines(feedback: Feedback | None, lang: str) -> list[tuple[str, str]]:
    """The feedback's parts in order, as (label, sentence): what was called, what, expected, got, where."""
    if feedback is None:
        return []
    lines = [("", printable(said(feedback.called, lang)))] if feedback.called else []
    lines.append(("", _say(feedback.summary, lang)))
    for label, part in (("expected", feedback.expected), ("got", feedback.got), ("where", feedback.where)):
        if part is not None:
            lines.append((text(f"report.{label}", lang), _say(part, lang)))
    mistake = mistake_text(feedback, lang)
    if mistake:
        lines.append(("", mistake))
    return lines


def mistake_text(feedback: Feedback | None, lang: str) -> str:
    """The known mistakes the result looks like (grader.mistakes), as one sentence; "" where none."""
    if feedback is None or not feedback.mistakes:
        return ""
    said = [text(message_id, lang, **facts) for message_id, facts in feedback.mistakes]
    if len(said) == 1:
        return printable(text("report.mistake", lang, mistake=said[0]))
    items = " ".join(text("report.mistake_item", lang, n=n, mistake=one) for n, one in enumerate(said, 1))
    return printable(text("report.mistakes", lang, mistakes=items))


def hint_text(feedback: Feedback | None, lang: str) -> str:
    """The hint in words, its facts (a student's file names) shown escaped."""
    if feedback is None or not feedback.hint:
        return ""
    return printable(text(feedback.hint, lang, **feedback.hint_facts))


def to_json(report: ExerciseReport, lang: str = "en") -> dict[str, Any]:
    """The report exactly as ../shared/EXERCISES.md fixes it, with the structured facts beside.

    Data safe to show and to write as strict JSON: student text through `printable`; a margin
    that is not finite is null (there is no ratio to give); any other non-finite number among the
    facts is the string "nan", "inf" or "-inf" (`grader.text.finite`: a value a person reads).
    Write it with `grader.text.dumps`.
    """
    return {
        "exercise": report.exercise,
        "title": title(report.exercise, lang, report.title),
        "file": printable(report.file),
        "device": report.device,
        "score": report.score,
        "max_score": report.max_score,
        "duration": round(report.duration, 3),
        "tests": [_test_json(check, lang, report.exercise) for check in report.checks],
        # Each failed cell's facts as they are (`message`: the exception's), and `text`, the sentence a person reads.
        "cells": [{**_facts(cell.model_dump()), "text": cell_text(cell, lang)} for cell in report.cells],
        "cells_omitted": report.cells_omitted,
        # What the submission printed while it loaded: its own, never under a check (`tests[].output` is the check's).
        "load_output": printable(report.load_output),
        "load_output_omitted": report.load_output_omitted,
        "load_failed": report.load_failed,
        "isolation": report.isolation,
        "hidden_later": {"checks": len(report.hidden_later), "points": sum(p for _, p in report.hidden_later)},
    }


def hidden_lines(report: ExerciseReport, lang: str) -> list[str]:
    """A pack's hidden checks: how many, and that the score shown is out of the visible points only."""
    if not report.hidden_later:
        return []
    points = sum(p for _, p in report.hidden_later)
    return [text("report.hidden_later", lang, count=len(report.hidden_later), points=f"{points:g}",
                 visible=f"{report.max_score:g}")]


def isolation_lines(report: ExerciseReport, lang: str) -> list[str]:
    """What the machine could not confine, said once under the checks (nothing where all is confined)."""
    return [text("isolation.no_landlock", lang)] if report.isolation.get("file_reads_confined") is False else []


FOLDED = 3  # this many failed cells in a row with the same error are shown as one line


def cell_lines(cells: list[CellFailure], lang: str, omitted: int = 0) -> list[str]:
    """The failed cells for a person to read: a run of cells failing with the same error (the same exception
    and message: the NameErrors that follow a failed import) as one line, and a last line for the cells not
    listed."""
    lines = []
    start = 0
    while start < len(cells):
        first = cells[start]
        end = start + 1
        while end < len(cells) and first.status == cells[end].status == "error" \
                and (cells[end].exception, cells[end].message) == (first.exception, first.message):
            end += 1
        if end - start >= FOLDED:
            lines.append(printable(text("cells_error_run", lang, first=first.cell, last=cells[end - 1].cell,
                                        count=end - start, exception=first.exception, message=first.message)))
        else:
            end = start + 1
            lines.append(cell_text(first, lang))
        start = end
    if omitted:
        lines.append(text("cells_omitted", lang, count=omitted))
    return lines


def cell_text(cell: CellFailure, lang: str) -> str:
    """What went wrong in a notebook cell, in the student's language."""
    if cell.status == "timeout":
        return printable(text("cell_timeout", lang, cell=cell.cell))
    if cell.status == "died":
        return printable(text("cell_died", lang, cell=cell.cell, how=cell.message))
    facts = {"cell": cell.cell, "exception": cell.exception, "message": cell.message, "line": cell.line,
             "code": cell.code}
    return printable(text("cell_error_at" if cell.line else "cell_error", lang, **facts))


def _test_json(check: CheckResult, lang: str, exercise: str) -> dict[str, Any]:
    fb = check.feedback
    message = "\n".join(f"{label}: {line}" if label else line for label, line in message_lines(fb, lang))
    return {
        "id": check.id,
        "name": check_title(exercise, check.id, lang, check.title),
        "score": check.score,
        "max_score": check.max_score,
        "status": check.status.value,
        "message": message if check.status is not Status.PASSED else text("passed", lang),
        "hint": hint_text(fb, lang),
        # the known mistakes the result looks like (also the message's last line): message id and sentence
        "mistakes": [{"id": printable(m, lines=False), "text": printable(text(m, lang, **facts))}
                     for m, facts in (fb.mistakes if fb else [])],
        "output": printable(fb.output) if fb else "",
        "output_omitted": fb.output_omitted if fb else 0,  # earlier lines of what was printed, not kept
        "details": {
            "called": printable(said(fb.called, lang)) if fb else "",
            "summary": _pair(fb.summary) if fb else None,
            "expected": _pair(fb.expected) if fb else None,
            "got": _pair(fb.got) if fb else None,
            "where": _pair(fb.where) if fb else None,
        },
        # The ratio of two errors, for tools: null where it is not a finite number (a NaN or inf result).
        "margin": check.margin if check.margin is not None and math.isfinite(check.margin) else None,
        "duration": round(check.duration, 3),
        "hidden": check.hidden,
    }


def _pair(message: tuple[str, dict[str, Any]] | None) -> dict[str, Any] | None:
    if message is None:
        return None
    return {"id": printable(message[0], lines=False), **_facts(message[1])}


def _facts(facts: dict[str, Any]) -> dict[str, Any]:
    """A message's facts as JSON data that is safe to show: text through `printable`, numbers finite."""
    def clean(value: Any) -> Any:
        if isinstance(value, str):
            return printable(value)
        if isinstance(value, (list, tuple)):
            return [clean(v) for v in value]
        if isinstance(value, dict):
            return {printable(k, lines=False): clean(v) for k, v in value.items()}
        return finite(value)

    result: dict[str, Any] = clean(facts)
    return result


def shows_load_output(load_failed: bool, load_output: str) -> bool:
    """Whether a person is shown what the submission printed while it loaded: once, and only when loading
    failed (it may explain why). A notebook that loaded printed it where the student ran it."""
    return load_failed and bool(load_output.strip())


OUTPUT_LINES = 5  # lines of what a check printed shown in the terminal: the last ones, near the failure


def output_lines(output: str, omitted: int, lang: str, shown: int) -> list[str]:
    """The last `shown` lines of what was printed, after a line saying how many earlier ones are not
    shown (`omitted` of them were not even kept); student text escaped."""
    lines = printable(output.rstrip()).splitlines()
    dropped = omitted + max(0, len(lines) - shown)
    return ([text("feedback.trimmed", lang, count=dropped)] if dropped else []) + lines[-shown:]


def render(report: ExerciseReport, console: Console, lang: str = "en") -> None:
    """The student's view: one row per check, the feedback under each failed one.

    On a terminal the table spans its width; elsewhere (a pipe, a file) no line is padded with spaces.
    """
    table = Table(title=Text(f"{report.exercise} — {title(report.exercise, lang, report.title)}"), title_justify="left", show_header=False,
                  box=None, pad_edge=False, expand=console.is_terminal)
    table.add_column(width=1)
    table.add_column(ratio=1)
    table.add_column(justify="right")
    for check in report.checks:
        mark, style = MARKS[check.status]
        score = f"{check.score:g} / {check.max_score:g}"
        titled = printable(check_title(report.exercise, check.id, lang, check.title))
        table.add_row(Text(mark, style=style), Text(titled, style="bold" if check.score else ""),
                      Text(score))
        if check.status is Status.PASSED:
            continue
        for label, line in message_lines(check.feedback, lang):
            table.add_row(None, _labelled(label, line), None)
        hint = hint_text(check.feedback, lang)
        if hint:
            table.add_row(None, _labelled(text("report.hint", lang), hint, "yellow"), None)
        if check.feedback is not None and check.feedback.output.strip():
            shown = output_lines(check.feedback.output, check.feedback.output_omitted, lang, OUTPUT_LINES)
            table.add_row(None, _labelled(text("report.output", lang), "\n".join(shown), "dim"), None)
    for line in cell_lines(report.cells, lang, report.cells_omitted):
        table.add_row(Text("!", style="yellow"), _labelled(text("report.cells", lang), line, "yellow"), None)
    if shows_load_output(report.load_failed, report.load_output):
        loaded = output_lines(report.load_output, report.load_output_omitted, lang, OUTPUT_LINES)
        said = "\n".join([text("report.load_output", lang) + ":", *loaded])
        table.add_row(Text("!", style="yellow"), _labelled("", said, "dim"), None)
    for line in isolation_lines(report, lang) + hidden_lines(report, lang):
        table.add_row(Text("!", style="yellow"), Text(line, style="yellow"), None)
    table.add_row(None, Text(text("report.total", lang), style="bold"),
                  Text(f"{report.score:g} / {report.max_score:g}", style="bold"))
    footer = f"{printable(report.file, lines=False)} · {report.device} · {report.duration:.1f} s"
    print_unpadded(console, table, Text(footer, style="dim"))


def render_assignment(result: AssignmentReport, console: Console, lang: str = "en") -> None:
    """`grader check --assignment`: each exercise's report, one after the other, then the assignment's total."""
    for report in result.reports:
        render(report, console, lang)
        console.print()
    head = f"{result.assignment} — {result.title}" if result.title else result.assignment
    console.print(Text.assemble((printable(head, lines=False), "bold"), "  ",
                                (f"{text('report.total', lang)} {result.score:g} / {result.max_score:g}", "bold")))


def assignment_json(result: AssignmentReport, lang: str = "en") -> dict[str, Any]:
    """`grader check --assignment --json`: each exercise's report as `to_json` gives it, and the sums."""
    return {"assignment": result.assignment, "exercises": [to_json(r, lang) for r in result.reports],
            "score": result.score, "max_score": result.max_score}


def to_html(report: ExerciseReport, lang: str = "en") -> str:
    """The student's view as an HTML table, for Jupyter and Colab (`grader.check()` in a notebook)."""
    from html import escape

    colour = {Status.PASSED: "#1a7f37", Status.SKIPPED: "#6e7781"}
    rows = []
    for check in report.checks:
        mark = MARKS[check.status][0]
        notes = "".join(
            f"<div>{escape(f'{label}: ' if label else '')}{escape(line)}</div>"
            for label, line in message_lines(check.feedback, lang)) if check.status is not Status.PASSED else ""
        hint = hint_text(check.feedback, lang)
        if hint and check.status is not Status.PASSED:
            notes += f"<div><i>{escape(text('report.hint', lang))}: {escape(hint)}</i></div>"
        rows.append(
            f"<tr><td style='color:{colour.get(check.status, '#cf222e')}'>{mark}</td>"
            f"<td style='text-align:left'><b>{escape(check_title(report.exercise, check.id, lang, check.title))}"
            f"</b>{notes}</td>"
            f"<td>{check.score:g} / {check.max_score:g}</td></tr>")
    for line in cell_lines(report.cells, lang, report.cells_omitted) + isolation_lines(report, lang) + \
            hidden_lines(report, lang):
        rows.append(f"<tr><td>!</td><td style='text-align:left'>{escape(line)}</td><td></td></tr>")
    rows.append(f"<tr><td></td><td style='text-align:left'><b>{escape(text('report.total', lang))}</b></td>"
                f"<td><b>{report.score:g} / {report.max_score:g}</b></td></tr>")
    return (f"<div><b>{escape(report.exercise)} — {escape(title(report.exercise, lang, report.title))}</b>"
            f"<table style='border-collapse:collapse'>{''.join(rows)}</table></div>")


def _labelled(label: str, line: str, style: str = "") -> Table:
    """A feedback line whose wrapped continuation stays under its text, not under the label."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=1)
    if label:
        grid.add_column(width=8, style="dim")
    grid.add_column(ratio=1)
    body = Wrapped(printable(line), style)
    grid.add_row(None, Text(label), body) if label else grid.add_row(None, body)
    return grid


_ATOM = re.compile(r"[A-Za-z0-9_]+|\s+|.", re.S)  # an identifier or number, a run of spaces, any other character


class Wrapped:
    """Text wrapped at spaces, and where a word is longer than the line (Japanese has no spaces, code
    has long words) between characters: never inside an identifier or a number, unless that alone is
    longer than the line."""

    def __init__(self, content: str, style: str = "") -> None:
        self.content, self.style = content, style

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        atoms = _ATOM.findall(self.content)
        widest = max((cell_len(a) for a in atoms if not a.isspace()), default=1)
        longest = max((cell_len(line) for line in self.content.splitlines()), default=1)
        return Measurement(min(widest, options.max_width), min(longest, options.max_width))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[RenderableType]:
        lines = [row for line in self.content.splitlines() or [""] for row in wrap(line, options.max_width)]
        yield Text("\n".join(lines), style=self.style, no_wrap=True, overflow="fold")


def wrap(line: str, width: int) -> list[str]:
    """`line` in rows of at most `width` cells, broken as `Wrapped` says."""
    width = max(1, width)
    rows: list[str] = []
    row = ""
    for word in re.findall(r"\s*\S+\s*|\s+", line):
        if cell_len(row + word.rstrip()) <= width:
            row += word
            continue
        if row.strip() and cell_len(word.strip()) <= width:  # the word fits on a row of its own
            rows.append(row.rstrip())
            row = word.lstrip()
            continue
        for atom in _ATOM.findall(word):  # a word longer than a row: break it between atoms
            while cell_len(atom) > width and not row:  # an identifier longer than a whole row: fold it
                cut = next(i for i in range(len(atom), 0, -1) if cell_len(atom[:i]) <= width)
                rows.append(atom[:cut])
                atom = atom[cut:]
            if cell_len(row + atom.rstrip()) > width:
                rows.append(row.rstrip())
                row = atom.lstrip()
            else:
                row += atom
    rows.append(row.rstrip())
    return rows


def print_unpadded(console: Console, *renderables: RenderableType) -> None:
    """Print to a terminal as rich lays it out; elsewhere (a pipe, a file) each line without the spaces that
    pad it to the console's width."""
    if console.is_terminal:
        console.print(*renderables)
        return
    with console.capture() as capture:
        console.print(*renderables)
    console.out("\n".join(line.rstrip() for line in capture.get().splitlines()), highlight=False)


def render_validation(verdicts: list[Verdict], console: Console) -> None:
    """One row per graded file: its score, whether that is right for its role, and the margins.

    The margin is the largest observed error ÷ allowed error over a check's values: near 1 a
    correct solution is close to failing, so the tolerance is too tight.
    """
    table = Table(title="grader validate", title_justify="left")
    for column in ("exercise", "role", "file", "score", "ok", "max margin", "problems"):
        table.add_column(column, justify="right" if column in ("score", "max margin") else "left")
    for v in verdicts:
        margins = [c.margin for c in v.report.checks if c.margin is not None and c.status is Status.PASSED]
        table.add_row(
            *(Text(printable(cell, lines=False)) for cell in (v.subject.exercise, v.subject.role, v.subject.name)),
            Text(f"{v.report.score:g}/{v.report.max_score:g}"),
            Text("ok", style="green") if v.ok else Text("VIOLATION", style="bold red"),
            Text(f"{max(margins):.3f}" if margins else ""),
            Text(printable("; ".join(v.problems))),
        )
    print_unpadded(console, table)
    bad = sum(not v.ok for v in verdicts)
    summary = f"{len(verdicts)} files graded, {bad} violation{'s' if bad != 1 else ''}"
    console.print(Text(summary, style="bold red" if bad else "bold green"))


def render_flaky(flaky: list[Flaky], repeat: int, console: Console) -> None:
    """`grader validate --repeat N`: the checks whose verdict depends on the seed or thread count, or
    that a correct file nearly fails; a line saying there are none otherwise."""
    if not flaky:
        console.print(Text(f"{repeat} rounds over seeds and thread counts: no flaky check", style="bold green"))
        return
    table = Table(title=f"flaky checks ({repeat} rounds over seeds and thread counts)", title_justify="left")
    for column in ("exercise", "check", "why"):
        table.add_column(column)
    for item in flaky:
        table.add_row(item.exercise, item.check, Text(printable(item.why, lines=False)))
    console.print(table)


def render_banks(banks: Sequence[Bank], console: Console) -> None:
    """`grader list`: each bank (where it is, how it was found), its assignments and exercises; a broken
    bank's problem instead of its contents, the others listed all the same."""
    from grader import bank as registry

    for found in banks:
        head = Text.assemble((found.name, "bold"), f"  {printable(str(found.root), lines=False)}  ({found.origin})")
        console.print(head)
        if found.problem is not None:
            console.print(Text(f"  cannot be used: {printable(found.problem, lines=False)}", style="red"))
            continue
        for assignment in found.config.assignments:
            console.print(Text(f"  assignment {assignment.name}: {printable(assignment.title, lines=False)} "
                               f"({', '.join(assignment.exercises)})"))
        table = Table(show_header=False, box=None, padding=(0, 1, 0, 2))
        for name in found.exercise_names():
            try:
                exercise = registry.get(f"{found.name}:{name}")
                table.add_row(Text(name, style="bold"), Text(printable(exercise.title, lines=False)),
                              Text(f"{exercise.max_score:g} points"))
            except GraderError as exc:
                table.add_row(Text(name, style="bold"), Text(f"cannot be used: {printable(exc, lines=False)}",
                                                              style="red", overflow="fold"), Text(""))
        print_unpadded(console, table)
