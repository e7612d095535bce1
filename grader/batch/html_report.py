"""The instructor's page for a batch: one self-contained report.html with numbers, charts and students.

Every text goes through `feedback.escape`: control characters shown as escapes, then HTML-escaped.
Its words are in the batch's language (`class.*` messages of grader.i18n); the charts hold numbers and
exercise names only, and their words are the page's (a caption), so no font needs Japanese glyphs.
"""

from __future__ import annotations

import base64
import io
import statistics
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.batch.feedback import element, escape, points
from grader.batch.names import student_file_name
from grader.i18n import text

if TYPE_CHECKING:
    from matplotlib.figure import Figure

Student = dict[str, Any]
STATUSES = ("passed", "failed", "error", "timeout", "memory", "skipped")
TOP_FAILURES = 15
# The kinds of failure (said as the message `class.kind.<kind>`): by the feedback's message id, else by the
# check's status.
KINDS = {
    "values_differ": "wrong_values", "value_differs": "wrong_value", "wrong_type": "wrong_type",
    "subclass": "subclass", "wrong_shape": "wrong_shape", "wrong_dtype": "wrong_dtype",
    "wrong_device": "wrong_device", "graph_cut": "graph_cut", "no_gradient": "no_gradient",
    "no_data": "no_data", "wrong_length": "wrong_length", "wrong_keys": "wrong_keys",
    "not_observed": "not_observed", "not_implemented": "not_implemented",
    "missing_name": "not_defined", "missing_name_notebook": "not_defined", "syntax": "syntax",
    "exit": "exit", "memory": "memory", "timeout": "too_slow", "load_timeout": "load_too_slow",
    "died": "died", "unreadable": "unreadable", "unexpected_answer": "unreadable",
    "judge_failed": "not_comparable", "hidden_failed": "hidden_failed",
    "static.forbidden": "forbidden", "static.forbidden_cell": "forbidden",
    "static.opaque": "opaque", "static.opaque_cell": "opaque",
    "not_graded": "not_graded",
}
BY_STATUS = {"failed": "wrong_result", "error": "raised_error", "timeout": "too_slow", "memory": "memory"}
RAISED = ("raised", "raised_at", "raised_in_cell", "load_raised", "load_raised_at")
# Causes in the submission rather than in one check: one row per exercise, not one per check.
WHOLE_EXERCISE = {"not_implemented", "missing_name", "missing_name_notebook", "syntax", "load_raised",
                  "load_raised_at", "load_timeout", "not_graded"}

CSS = """body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:75em;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}th,td{padding:.25em .6em;border-bottom:1px solid #ddd;
text-align:left;vertical-align:top}td.n{text-align:right;font-variant-numeric:tabular-nums}
dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}dt{font-weight:600}dd{margin:0}
pre{margin:0;white-space:pre-wrap;overflow-wrap:anywhere;max-width:50em;font-size:12px}
tr.error{background:#fde8e8}.full{background:#e4f5e4}.zero{background:#fbeaea}
.caption{color:#555;font-size:12px;margin-top:0}.caption .item{margin-right:1.5em}.rate{color:#4a7ebb}
.mean{color:#e0a030}"""
RATE_COLOR, MEAN_COLOR = "#4a7ebb", "#e0a030"  # the charts' bars; the caption's swatches (.rate, .mean) match


def write_report(out_dir: Path, students: list[Student], *, title: str, exercises: list[str],
                 lang: str = "en") -> Path:
    """Write `out_dir/report.html`, its words in `lang`, and return its path.

    `exercises` gives the columns' order; an exercise found only in the students' reports comes after.
    """
    graded = [s for s in students if s["status"] == "graded"]
    names = list(dict.fromkeys([*exercises, *(e["exercise"] for s in graded for e in s["exercises"])]))
    sections = [element("h1", escape(title)), _summary(students, graded, lang), _distribution(graded, lang),
                _exercises(graded, names, lang), _checks(graded, names, lang), _failures(graded, lang),
                _students(students, names, lang)]
    head = '<meta charset="utf-8">' + element("title", escape(title)) + element("style", CSS)
    page = "<!DOCTYPE html>\n" + element("html", element("head", head), element("body", *sections), lang=lang)
    path = out_dir / "report.html"
    path.write_text(page, encoding="utf-8")
    return path


def _summary(students: list[Student], graded: list[Student], lang: str) -> str:
    scores = [s["score"] for s in graded]
    top = max((s["max_score"] for s in graded), default=0)
    numbers = {
        "class.students": str(len(students)),
        "class.graded": str(len(graded)),
        "class.not_graded": str(sum(s["status"] == "error" for s in students)),
        "class.mean": _out_of(statistics.fmean(scores), top) if scores else "–",
        "class.median": _out_of(statistics.median(scores), top) if scores else "–",
        "class.full_marks": str(sum(_full_marks(s) for s in graded)),
    }
    terms = (element("dt", _said(term, lang)) + element("dd", value) for term, value in numbers.items())
    return element("h2", _said("class.summary", lang)) + element("dl", *terms)


def _out_of(score: float, top: float) -> str:
    return f"{score:.2f} / {top:g}" + (f" ({score / top:.0%})" if top else "")


def _full_marks(student: Student) -> bool:
    tests = [t for e in student["exercises"] for t in e["tests"]]
    return student["status"] == "graded" and bool(tests) and all(t["status"] == "passed" for t in tests)


def _distribution(graded: list[Student], lang: str) -> str:
    heading = element("h2", _said("class.distribution", lang))
    if not graded:
        return heading + element("p", _said("class.no_scores", lang))
    scores = [float(s["score"]) for s in graded]
    top = max(float(s["max_score"]) for s in graded)
    if top <= 40 and all(x.is_integer() for x in [*scores, top]):
        bins = [i - 0.5 for i in range(int(top) + 2)]  # one bar per whole score
    else:
        bins = [top * i / 20 for i in range(21)]
    figure, axes = _figure(7, 2.8)
    axes.hist(scores, bins=bins, color=RATE_COLOR, edgecolor="white")
    axes.set_xlim(bins[0], bins[-1])
    axes.yaxis.get_major_locator().set_params(integer=True)
    return heading + _image(figure, text("class.histogram", lang)) + _caption(_said("class.histogram_axes", lang))


def _exercises(graded: list[Student], names: list[str], lang: str) -> str:
    rows, rates, means = [], [], []
    for name in names:
        done = [e for s in graded for e in s["exercises"] if e["exercise"] == name]
        full = sum(bool(e["tests"]) and all(t["status"] == "passed" for t in e["tests"]) for e in done)
        top = max((e["max_score"] for e in done), default=0)
        mean = statistics.fmean(e["score"] for e in done) if done else 0.0
        rates.append(100 * full / len(done) if done else 0.0)
        means.append(100 * mean / top if top else 0.0)
        rows.append([_cell(escape(name)), _n(len(done)), _n(full), _n(f"{rates[-1]:.0f}%" if done else "–"),
                     _n(f"{mean:.2f} / {top:g}" if done else "–")])
    header = ["class.exercise", "class.graded", "class.full_marks", "class.pass_rate", "class.mean"]
    table = _table([text(h, lang) for h in header], rows)
    chart = _exercise_chart(names, rates, means, lang) if graded and names else ""
    return element("h2", _said("class.exercises", lang)) + table + chart


def _exercise_chart(names: list[str], rates: list[float], means: list[float], lang: str) -> str:
    figure, axes = _figure(7, 0.9 + 0.45 * len(names))
    ys = range(len(names))
    axes.barh([y - 0.2 for y in ys], rates, height=0.4, color=RATE_COLOR)
    axes.barh([y + 0.2 for y in ys], means, height=0.4, color=MEAN_COLOR)
    axes.set_yticks(list(ys), names)
    axes.invert_yaxis()
    axes.set_xlim(0, 100)
    legend = [element("span", "■", class_="rate") + " " + _said("class.pass_rate_full", lang),
              element("span", "■", class_="mean") + " " + _said("class.mean", lang), _said("class.chart_axis", lang)]
    return _image(figure, text("class.chart", lang)) + _caption(*legend)


def _checks(graded: list[Student], names: list[str], lang: str) -> str:
    counts: dict[tuple[str, str], Counter[str]] = {}
    titles: dict[tuple[str, str], str] = {}
    for exercise in (e for s in graded for e in s["exercises"]):
        for test in exercise["tests"]:
            key = (exercise["exercise"], test["id"])
            counts.setdefault(key, Counter())[test["status"]] += 1
            titles.setdefault(key, test["name"])
    rows = [[_cell(escape(key[0])), _cell(escape(titles[key])), *(_n(counts[key][s]) for s in STATUSES),
             _n(f"{counts[key]['passed'] / counts[key].total():.0%}")]
            for key in sorted(counts, key=lambda key: names.index(key[0]))]
    header = ["class.exercise", "class.check", *(f"class.status.{s}" for s in STATUSES), "class.pass_rate"]
    return element("h2", _said("class.checks", lang)) + _table([text(h, lang) for h in header], rows)


def kind(test: dict[str, Any], lang: str = "en") -> str:
    """Why a check did not pass, in a few words in `lang` ("wrong shape", "raised ValueError")."""
    summary = (test.get("details") or {}).get("summary") or {}
    message_id = str(summary.get("id") or "")
    if message_id in RAISED and summary.get("exception"):
        return text("class.kind.raised", lang, exception=summary["exception"])
    found = KINDS.get(message_id) or BY_STATUS.get(test["status"])
    return text(f"class.kind.{found}", lang) if found else text(f"class.status.{test['status']}", lang)


def _failures(graded: list[Student], lang: str) -> str:
    """The most common reasons a check did not pass, each counted once per student.

    Skipped checks are left out: they only echo the failure of the check they need. A cause in the
    submission rather than in a check (not implemented yet, a name not defined) is one row per exercise.
    """
    counts: Counter[tuple[str, str, str]] = Counter()
    examples: dict[tuple[str, str, str], tuple[str, str]] = {}
    for student in graded:
        causes: dict[tuple[str, str, str], None] = {}  # in the order first met
        for exercise in student["exercises"]:
            for test in exercise["tests"]:
                if test["status"] in ("passed", "skipped"):
                    continue
                summary = (test.get("details") or {}).get("summary") or {}
                whole = summary.get("id") in WHOLE_EXERCISE
                key = (exercise["exercise"], "" if whole else test["id"], kind(test, lang))
                if key not in causes:
                    causes[key] = None
                    examples.setdefault(key, (text("class.every_check", lang) if whole else test["name"],
                                              test["message"]))
        counts.update(list(causes))
    heading = element("h2", _said("class.failures", lang, count=TOP_FAILURES))
    if not counts:
        return heading + element("p", _said("class.no_failures", lang))
    rows = [[_n(count), _cell(escape(key[0])), _cell(escape(examples[key][0])), _cell(escape(key[2])),
             _cell(element("pre", escape(examples[key][1])))] for key, count in counts.most_common(TOP_FAILURES)]
    header = ["class.students", "class.exercise", "class.check", "class.kind", "class.example"]
    return heading + _table([text(h, lang) for h in header], rows)


def _students(students: list[Student], names: list[str], lang: str) -> str:
    rows = []
    for student in sorted(students, key=lambda s: str(s["student"])):
        link = element("a", _said("class.feedback", lang),
                       href=f"students/{student_file_name(student['student'], '.html')}")
        if student["status"] == "error":
            cells = [element("td", element("pre", escape(student["message"])), colspan=str(len(names) + 1))]
        else:
            by_name = {e["exercise"]: e for e in student["exercises"]}
            cells = [_score_cell(student["score"], student["max_score"])]
            cells += [_score_cell(by_name[n]["score"], by_name[n]["max_score"]) if n in by_name else _n("–")
                      for n in names]
        status = _said(f"class.student.{student['status']}", lang)  # graded or error
        row = [_cell(escape(student["student"])), _cell(status), *cells, _cell(link)]
        rows.append(element("tr", *row, **({"class_": "error"} if student["status"] == "error" else {})))
    labels = [text(h, lang) for h in ("class.student", "class.status", "class.score")]
    header = element("tr", *(element("th", escape(h)) for h in [*labels, *names, ""]))
    return element("h2", _said("class.students_heading", lang, count=len(students))) + element("table", header, *rows)


def _score_cell(score: float, max_score: float) -> str:
    shade = "full" if max_score and score >= max_score else "zero" if not score else ""
    return element("td", points(score, max_score), class_=f"n {shade}".strip())


def _said(message_id: str, lang: str, **facts: Any) -> str:
    """One of the page's own words, HTML-escaped."""
    return escape(text(message_id, lang, **facts))


def _caption(*items: str) -> str:
    """What a chart shows, said under it (the chart itself holds no words): finished HTML items."""
    return element("p", *(element("span", item, class_="item") for item in items), class_="caption")


def _cell(content: str) -> str:
    return element("td", content)


def _n(value: object) -> str:
    """A right-aligned number cell."""
    return element("td", escape(str(value)), class_="n")


def _table(header: list[str], rows: list[list[str]]) -> str:
    """A table of finished cells under a header row."""
    head = element("tr", *(element("th", escape(h)) for h in header))
    return element("table", head, *(element("tr", *row) for row in rows))


def _figure(width: float, height: float) -> tuple[Figure, Any]:
    from matplotlib.figure import Figure  # here, not at the top: `import grader` stays light

    figure = Figure(figsize=(width, height), dpi=100, layout="constrained")
    return figure, figure.subplots()


def _image(figure: Figure, alt: str) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<p><img src="data:image/png;base64,{data}" alt="{escape(alt)}"></p>'
