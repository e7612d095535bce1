"""JUnit XML for CI dashboards: `junit.xml`, one testsuite per student × exercise, one testcase per check.

A testcase is named by its check's title in the export's language (`ExportOptions.lang`); suites and properties
carry ids, which a dashboard matches on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from grader.exports.common import XML_DECLARATION, Gradebook, Student, is_error, write_atomic, xml_text
from grader.exports.gradescope import feedback

_ERRORS = ("error", "timeout", "memory")


def write(students: list[Student], out_dir: Path, book: Gradebook) -> list[Path]:
    root = ElementTree.Element("testsuites", name=xml_text(book.title))
    for student in students:
        for suite in _suites(student, book):
            root.append(suite)
    for key in ("tests", "failures", "errors"):
        root.set(key, str(sum(int(s.get(key, "0")) for s in root)))
    root.set("time", _time(sum(float(s.get("time", "0")) for s in root)))
    ElementTree.indent(root)
    content = XML_DECLARATION + ElementTree.tostring(root, encoding="unicode") + "\n"
    return [write_atomic(out_dir / "junit.xml", content)]


def _suites(student: Student, book: Gradebook) -> list[ElementTree.Element]:
    sid = str(student["student"])
    if is_error(student):  # nothing was graded: one error saying why
        suite = _suite(sid, {"student": sid, "score": "0", "max_score": f"{book.max_score:g}"}, 0.0)
        case = ElementTree.SubElement(suite, "testcase", name=xml_text(book.label("export.submission")),
                                      classname=xml_text(sid), time="0")
        message = xml_text(str(student.get("message", "")))
        ElementTree.SubElement(case, "error", type="unreadable", message=message).text = message
        _count(suite)
        return [suite]
    suites = []
    for exercise in student.get("exercises", []):
        props = {"student": sid, "exercise": exercise["exercise"], "score": f"{float(exercise['score']):g}",
                 "max_score": f"{float(exercise['max_score']):g}", "file": exercise.get("file", ""),
                 "device": exercise.get("device", "")}
        suite = _suite(f"{sid}.{exercise['exercise']}", props, float(exercise.get("duration", 0.0)))
        for test in exercise.get("tests", []):
            suite.append(_case(test, book.test_name(exercise, test), f"{sid}.{exercise['exercise']}", book))
        _count(suite)
        suites.append(suite)
    return suites


def _suite(name: str, props: dict[str, str], duration: float) -> ElementTree.Element:
    suite = ElementTree.Element("testsuite", name=xml_text(name), time=_time(duration))
    properties = ElementTree.SubElement(suite, "properties")
    for key, value in props.items():
        ElementTree.SubElement(properties, "property", name=key, value=xml_text(value))
    return suite


def _case(test: dict[str, Any], name: str, classname: str, book: Gradebook) -> ElementTree.Element:
    case = ElementTree.Element("testcase", name=xml_text(name), classname=xml_text(classname),
                               time=_time(float(test.get("duration", 0.0))))
    status = test["status"]
    message = xml_text(str(test.get("message", "")).split("\n", 1)[0])
    if status == "failed":
        ElementTree.SubElement(case, "failure", type="failed", message=message).text = xml_text(feedback(test, book))
    elif status in _ERRORS:
        ElementTree.SubElement(case, "error", type=status, message=message).text = xml_text(feedback(test, book))
    elif status == "skipped":
        ElementTree.SubElement(case, "skipped", message=message)
    if test.get("output"):
        ElementTree.SubElement(case, "system-out").text = xml_text(str(test["output"]))
    return case


def _count(suite: ElementTree.Element) -> None:
    cases = suite.findall("testcase")
    suite.set("tests", str(len(cases)))
    for key, tag in (("failures", "failure"), ("errors", "error"), ("skipped", "skipped")):
        suite.set(key, str(sum(case.find(tag) is not None for case in cases)))


def _time(seconds: float) -> str:
    return f"{max(0.0, seconds):.3f}"
