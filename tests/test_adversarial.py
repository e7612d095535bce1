"""The adversarial suite: hostile submissions, one per attack family (tests/adversarial/*.py).

Each file says, in a line of its docstring, what grading it must get:

    expect: {"exercise": "sq_loss", "status": {"shape": "failed"}, "max_score": 1, "says": {"shape": "subclass"}}

* ``status``: check id -> the status it must have (checks not named may have any);
* ``max_score``: the most the file may score (no inflated grade);
* ``says``: check id -> words its message must contain (a clear message);
* ``scale`` (optional): GRADER_TIMEOUT_SCALE for the run (default 0.2);
* ``needs`` (optional): "root" or "landlock", where only such a machine can keep the promise.

Every file is graded by a real ``grader check EXERCISE --file F --json`` process, which must print
the contract's report and nothing else on stdout, no traceback anywhere, finish in bounded time,
and keep its own memory bounded (its peak RSS, sampled from /proc, whatever the worker sends).
Files that attack a batch (another student's files, the batch itself) are graded in
tests/test_adversarial_batch.py.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, processes_with
from test_isolation import check_report

from grader.sandbox.confine import landlock_abi

ADVERSARIAL = Path(__file__).resolve().parent / "adversarial"
BOUND = 120.0  # seconds per file, as for the hold-out
GRADER_MEMORY = 1536 * 2**20  # the grader's own peak RSS (torch alone is ~400 MB)
EXPECT = re.compile(r"^expect:\s*(\{.*\})\s*$", re.MULTILINE)


def expectation(path: Path) -> dict[str, Any]:
    """The `expect:` line of a hostile file's docstring."""
    found = EXPECT.search(path.read_text(encoding="utf-8", errors="replace"))
    assert found, f"{path.name} has no 'expect: {{...}}' line"
    spec: dict[str, Any] = json.loads(found.group(1))
    assert set(spec) <= {"exercise", "status", "max_score", "says", "scale", "needs"}, path.name
    return spec


FILES = sorted(p for p in ADVERSARIAL.glob("*.py") if not p.name.startswith("_")) if ADVERSARIAL.is_dir() else []


def _peak_rss(pid: int, peak: list[int], done: threading.Event) -> None:
    while not done.is_set():
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak[0] = max(peak[0], int(line.split()[1]) * 1024)
        except OSError:
            return
        done.wait(0.05)


def run_check(exercise: str, file: Path, scale: float, env_extra: dict[str, str] | None = None,
              ) -> tuple[Any, float, int]:
    """`grader check EXERCISE --file FILE --json`: the run, its seconds and the grader's peak RSS."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "120", "GRADER_TIMEOUT_SCALE": str(scale),
           **(env_extra or {})}
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "grader", "check", exercise, "--file", str(file), "--json"],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak, done = [0], threading.Event()
    watcher = threading.Thread(target=_peak_rss, args=(process.pid, peak, done), daemon=True)
    watcher.start()
    try:
        stdout, stderr = process.communicate(timeout=BOUND + 30)
    finally:
        done.set()
        if process.poll() is None:
            process.kill()
            process.communicate()
    watcher.join()

    class Run:
        code = process.returncode

    run = Run()
    run.stdout, run.stderr = stdout, stderr  # type: ignore[attr-defined]
    return run, time.monotonic() - started, peak[0]


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_adversarial_file(path: Path, tmp_path: Path) -> None:
    spec = expectation(path)
    needs = spec.get("needs")
    if needs == "root" and os.geteuid() != 0:
        pytest.skip("only a root grader gives each worker a uid of its own")
    if needs == "landlock" and landlock_abi() < 1:
        pytest.skip("no Landlock on this kernel")
    exercise = spec.get("exercise", "sq_loss")
    mark = f"adversarial-mark-{os.getpid()}-{path.stem}"
    outside = tmp_path / "outside"  # world-writable: only the sandbox keeps the worker out
    outside.mkdir()
    outside.chmod(0o777)
    run, took, peak = run_check(exercise, path, float(spec.get("scale", 0.2)),
                                {"HOSTILE_MARK": mark, "HOSTILE_DIR": str(outside)})

    report = check_report(run, exercise, path)
    statuses = {t["id"]: t["status"] for t in report["tests"]}
    messages = {t["id"]: t["message"] for t in report["tests"]}
    for check_id, status in spec.get("status", {}).items():
        assert statuses[check_id] == status, (check_id, messages[check_id])
    for check_id, words in spec.get("says", {}).items():
        assert words in messages[check_id], (check_id, messages[check_id])
    assert report["score"] <= spec.get("max_score", report["max_score"]), messages
    full = all(s == "passed" for s in statuses.values())
    assert run.code == (0 if full else 1)
    assert took < BOUND
    assert peak < GRADER_MEMORY, f"the grader itself grew to {peak // 2**20} MB"
    # The report is data: no terminal control characters, strict JSON (no NaN / Infinity).
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", run.stdout.rstrip("\n")), run.stdout[:500]
    json.loads(run.stdout, parse_constant=lambda name: pytest.fail(f"non-strict JSON constant {name}"))
    leftovers = processes_with(mark)
    for pid in leftovers:
        os.kill(pid, 9)
    assert not leftovers, "processes started by the student's code survived the grading"
    assert not list(outside.iterdir()), "the student's code wrote outside its sandbox"
