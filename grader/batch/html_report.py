"""The instructor's page for a batch: one self-contained report.html with numbers, charts and students.

Every text goes through `feedback.escape`: control characters shown as escapes, then HTML-escaped.
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

if TYPE_CHECKING:
    from matplotlib.figure import Figure

Student = dict[str, Any]
STATUSES = ("passed", "failed", "error", "timeout", "memory", "skipped")
TOP_FAILURES = 15
# The kinds of failure, in words: by the feedback's message id, else by the check's status.
KINDS = {
    "values_differ": "wrong values", "value_differs": "wrong value", "wrong_type": "wrong type",
    "subclass": "a tensor subclass", "wrong_shape": "wrong shape", "wrong_dtype": "wrong dtype",
    "wrong_device": "wrong device", "graph_cut": "autograd graph cut", "no_gradient": "no gradient",
    "no_data": "a tensor without values", "wrong_length": "wrong length", "wrong_keys": "wrong keys",
    "not_observed": "nothing to compare", "not_implemented": "not implemented yet",
    "missing_name": "not defined", "missing_name_notebook": "not defined", "syntax": "syntax error",
    "exit": "called exit()", "memory": "out of memory", "timeout": "too slow", "load_timeout": "too slow to load",
    "died": "ended the process", "unreadable": "result unreadable", "unexpected_answer": "result unreadable",
    "judge_failed": "result not comparable", "hidden_failed": "hidden check failed",
    "static.forbidden": "uses what it may not", "static.forbidden_cell": "uses what it may not",
    "static.opaque": "code the grader cannot read", "static.opaque_cell": "code the grader cannot read",
    "not_graded": "not graded",
}
BY_STATUS = {"failed": "wrong result", "error": "raised an error", "timeout": "too slow", "memory": "out of memory"}
RAISED = ("raised", "raised_at", "raised_in_cell", "load_raised", "load_raised_at")
# Causes in the submission rather than in one check: one row per exercise, not one per check.
WHOLE_EXERCISE = {"not_implemented", "missing_name", "missing_name_notebook", "syntax", "load_raised",
                  "load_raised_at", "load_timeout", "not_graded"}

CSS = """body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:75em;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}th,td{padding:.25em .6em;border-bottom:1px solid #ddd;
text-align:left;vertical-align:top}td.n{text-align:right;font-variant-numeric:tabular-nums}
dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}dt{font-weight:600}dd{margin:0}
pre{margin:0;white-space:pre-wrap;overflow-wrap:anywhere;max-width:50em;font-size:12px}
tr.error{background:#fde8e8}.full{background:#e4f5e4}.zero{background:#fbeaea}"""


def write_report(out_dir: Path, students: list[Student], *, title: str, exercises: list[str]) -> Path:
    """Write `out_dir/report.html` and return its path.

    `exercises` gives the columns' order; an exercise found only in the students' reports comes after.
    """
    graded = [s for s in students if s["status"] == "graded"]
    names = list(dict.fromkeys([*exercises, *(e["exercise"] for s in graded for e in s["exercises"])]))
    sections = [element("h1", escape(title)), _summary(students, graded), _distribution(graded),
                _exercises(graded, names), _checks(graded, names), _failures(graded), _students(students, names)]
    head = '<meta charset="utf-8">' + element("title", escape(title)) + element("style", CSS)
    page = "<!DOCTYPE html>\n" + element("html", element("head", head), element("body", *sections), lang="en")
    path = out_dir / "report.html"
    path.write_text(page, encoding="utf-8")
    return path


def _summary(students: list[Student], graded: list[Student]) -> str:
    scores = [s["score"] for s in graded]
    top = max((s["max_score"] for s in graded), default=0)
    numbers = {
        "students": str(len(students)),
        "graded": str(len(graded)),
        "could not be graded": str(sum(s["status"] == "error" for s in students)),
        "mean score": _out_of(statistics.fmean(scores), top) if scores else "–",
        "median score": _out_of(statistics.median(scores), top) if scores else "–",
        "full marks": str(sum(_full_marks(s) for s in graded)),
    }
    terms = (element("dt", term) + element("dd", value) for term, value in numbers.items())
    return element("h2", "Summary") + element("dl", *terms)


def _out_of(score: float, top: float) -> str:
    return f"{score:.2f} / {top:g}" + (f" ({score / top:.0%})" if top else "")


def _full_marks(student: Student) -> bool:
    tests = [t for e in student["exercises"] for t in e["tests"]]
    return student["status"] == "graded" and bool(tests) and all(t["status"] == "passed" for t in tests)


def _distribution(graded: list[Student]) -> str:
    heading = element("h2", "Score distribution")
    if not graded:
        return heading + element("p", "No student could be graded: there are no scores to plot.")
    scores = [float(s["score"]) for s in graded]
    top = max(float(s["max_score"]) for s in graded)
    if top <= 40 and all(x.is_integer() for x in [*scores, top]):
        bins = [i - 0.5 for i in range(int(top) + 2)]  # one bar per whole score
    else:
        bins = [top * i / 20 for i in range(21)]
    figure, axes = _figure(7, 2.8)
    axes.hist(scores, bins=bins, color="#4a7ebb", edgecolor="white")
    axes.set_xlim(bins[0], bins[-1])
    axes.set_xlabel("score")
    axes.set_ylabel("students")
    axes.yaxis.get_major_locator().set_params(integer=True)
    return heading + _image(figure, "histogram of the students' scores")


def _exercises(graded: list[Student], names: list[str]) -> str:
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
    table = _table(["exercise", "graded", "full marks", "pass rate", "mean score"], rows)
    return element("h2", "Exercises") + table + (_exercise_chart(names, rates, means) if graded and names else "")


def _exercise_chart(names: list[str], rates: list[float], means: list[float]) -> str:
    figure, axes = _figure(7, 0.9 + 0.45 * len(names))
    ys = range(len(names))
    axes.barh([y - 0.2 for y in ys], rates, height=0.4, label="pass rate (full marks)", color="#4a7ebb")
    axes.barh([y + 0.2 for y in ys], means, height=0.4, label="mean score", color="#e0a030")
    axes.set_yticks(list(ys), names)
    axes.invert_yaxis()
    axes.set_xlim(0, 100)
    axes.set_xlabel("% of students / % of the exercise's points")
    axes.legend(loc="lower right", fontsize="small")
    return _image(figure, "pass rate and mean score per exercise")


def _checks(graded: list[Student], names: list[str]) -> str:
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
    return element("h2", "Checks") + _table(["exercise", "check", *STATUSES, "pass rate"], rows)


def kind(test: dict[str, Any]) -> str:
    """Why a check did not pass, in a few words ("wrong shape", "raised ValueError")."""
    summary = (test.get("details") or {}).get("summary") or {}
    message_id = str(summary.get("id") or "")
    if message_id in RAISED and summary.get("exception"):
        return f"raised {summary['exception']}"
    return KINDS.get(message_id) or BY_STATUS.get(test["status"], test["status"])


def _failures(graded: list[Student]) -> str:
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
                key = (exercise["exercise"], "" if whole else test["id"], kind(test))
                if key not in causes:
                    causes[key] = None
                    examples.setdefault(key, ("every check" if whole else test["name"], test["message"]))
        counts.update(list(causes))
    heading = element("h2", f"Most common failures (top {TOP_FAILURES}; each cause counted once per student; "
                            "skipped checks left out)")
    if not counts:
        return heading + element("p", "No check failed.")
    rows = [[_n(count), _cell(escape(key[0])), _cell(escape(examples[key][0])), _cell(escape(key[2])),
             _cell(element("pre", escape(examples[key][1])))] for key, count in counts.most_common(TOP_FAILURES)]
    return heading + _table(["students", "exercise", "check", "kind", "example message"], rows)


def _students(students: list[Student], names: list[str]) -> str:
    rows = []
    for student in sorted(students, key=lambda s: str(s["student"])):
        link = element("a", "feedback", href=f"students/{student_file_name(student['student'], '.html')}")
        if student["status"] == "error":
            cells = [element("td", element("pre", escape(student["message"])), colspan=str(len(names) + 1))]
        else:
            by_name = {e["exercise"]: e for e in student["exercises"]}
            cells = [_score_cell(student["score"], student["max_score"])]
            cells += [_score_cell(by_name[n]["score"], by_name[n]["max_score"]) if n in by_name else _n("–")
                      for n in names]
        row = [_cell(escape(student["student"])), _cell(escape(student["status"])), *cells, _cell(link)]
        rows.append(element("tr", *row, **({"class_": "error"} if student["status"] == "error" else {})))
    header = element("tr", *(element("th", escape(h)) for h in ["student", "status", "score", *names, ""]))
    return element("h2", f"Students ({len(students)})") + element("table", header, *rows)


def _score_cell(score: float, max_score: float) -> str:
    shade = "full" if max_score and score >= max_score else "zero" if not score else ""
    return element("td", points(score, max_score), class_=f"n {shade}".strip())


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
