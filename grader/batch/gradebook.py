"""The gradebook: DIR/gradebook.db, SQLite in WAL mode, written only by the batch's main thread.

One row per submission (its whole report as JSON, the content hash, the grader version and
the exercises it was graded on) and one row per student × exercise × check. A student's
rows are replaced in one transaction: a run killed at any moment leaves every student
either fully graded or not at all, and a re-run skips what is already there.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from grader.batch.model import StudentReport
from grader.errors import GraderError

SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS submissions (
    student TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    message TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    grader_version TEXT NOT NULL,
    graded_on TEXT NOT NULL,          -- the exercises and device, e.g. "sq_loss,simple_graph@cpu"
    graded_at TEXT NOT NULL,
    report TEXT NOT NULL              -- the StudentReport as JSON
);
CREATE TABLE IF NOT EXISTS checks (
    student TEXT NOT NULL REFERENCES submissions(student) ON DELETE CASCADE,
    exercise TEXT NOT NULL,
    check_id TEXT NOT NULL,
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    status TEXT NOT NULL,
    message TEXT NOT NULL,            -- the summary's message id, e.g. "values_differ"
    content_hash TEXT NOT NULL,
    PRIMARY KEY (student, exercise, check_id)
);
"""


class Gradebook:
    """DIR/gradebook.db."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._db = sqlite3.connect(path, timeout=30.0, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")  # WAL: a crash loses no committed row
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.executescript(SCHEMA)
            self._db.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        except sqlite3.DatabaseError as exc:
            raise GraderError(f"{path}: not a gradebook the grader can open ({exc}). Move it away, or choose "
                              "another --out folder.") from None

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Gradebook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def is_current(self, student: str, content_hash: str, version: str, graded_on: str) -> bool:
        """Whether this exact submission was already graded by this grader version on these exercises."""
        row = self._db.execute(
            "SELECT 1 FROM submissions WHERE student=? AND content_hash=? AND grader_version=? AND graded_on=?",
            (student, content_hash, version, graded_on)).fetchone()
        return row is not None

    def record(self, report: StudentReport, graded_on: str) -> None:
        """Replace the student's rows with `report`, all in one transaction."""
        rows = [
            (report.student, e.exercise, c.id, c.score, c.max_score, c.status.value,
             c.feedback.summary[0] if c.feedback else "", report.content_hash)
            for e in report.exercises for c in e.checks
        ]
        now = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
        with self._transaction():
            self._db.execute("DELETE FROM checks WHERE student=?", (report.student,))
            self._db.execute(
                "INSERT OR REPLACE INTO submissions VALUES (?,?,?,?,?,?,?,?,?,?)",
                (report.student, report.status.value, report.score, report.max_score, report.message,
                 report.content_hash, report.grader_version, graded_on, now, report.model_dump_json()))
            self._db.executemany("INSERT INTO checks VALUES (?,?,?,?,?,?,?,?)", rows)

    def report(self, student: str) -> StudentReport | None:
        row = self._db.execute("SELECT report FROM submissions WHERE student=?", (student,)).fetchone()
        return StudentReport.model_validate_json(row[0]) if row else None

    def students(self) -> list[str]:
        return [row[0] for row in self._db.execute("SELECT student FROM submissions ORDER BY student")]

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
