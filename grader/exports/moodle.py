"""Moodle: `moodle.csv` for the CSV grade import; `moodle.xml` for the XML import, given the item's ID number."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from xml.etree import ElementTree

from grader.exports.common import XML_DECLARATION, Gradebook, Student, cell, points, summary, write_atomic, xml_text

IDENTIFIERS = ("Student", "ID number", "Email address")  # the teacher picks one as "Map from"


def write(students: list[Student], out_dir: Path, book: Gradebook) -> list[Path]:
    files = [write_atomic(out_dir / "moodle.csv", _csv(students, book))]
    if book.options.moodle_item_idnumber:
        files.append(write_atomic(out_dir / "moodle.xml", _xml(students, book, book.options.moodle_item_idnumber)))
    return files


def _csv(students: list[Student], book: Gradebook) -> str:
    """One row per student: who (three ways), the score, and the feedback ("Feedback for <item>" on import)."""
    buffer = io.StringIO()
    rows = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n")
    rows.writerow([*IDENTIFIERS, cell(book.title), cell(f"Feedback for {book.title}")])
    for student in students:
        who = book.identity(student)
        known = book.options.roster is not None
        rows.writerow([cell(who.student), cell(who.lms_id if known else ""), cell(who.email),
                       points(book.score(student)), cell(summary(student, book))])
    return buffer.getvalue()


def _xml(students: list[Student], book: Gradebook, item: str) -> str:
    """`<results><result>` per student, matched on the grade item's and the user's ID numbers."""
    root = ElementTree.Element("results")
    for student in students:
        result = ElementTree.SubElement(root, "result")
        for tag, value in (("assignment", item), ("student", book.identity(student).lms_id),
                           ("score", points(book.score(student))), ("feedback", summary(student, book))):
            ElementTree.SubElement(result, tag).text = xml_text(value)
    ElementTree.indent(root)
    return XML_DECLARATION + ElementTree.tostring(root, encoding="unicode") + "\n"
