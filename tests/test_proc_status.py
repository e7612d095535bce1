"""grader.sandbox.processes reads /proc/<pid>/status field by field: the same table as splitting every line."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from grader.sandbox import processes
from grader.sandbox.processes import _field, _members, _processes

STATUS = "\nName:\tx\\nUid:\t0\nUmask:\t0022\nState:\tS (sleeping)\nPPid:\t7\nUid:\t1000\t1000\t1000\t1000\nNSpgid:\t9\n"


def test_a_field_is_its_line_s_value() -> None:
    assert _field(STATUS, "State").strip() == "S (sleeping)"
    assert int(_field(STATUS, "PPid")) == 7
    assert _field(STATUS, "VmRSS", "0 kB") == "0 kB"  # a kernel thread has no VmRSS
    with pytest.raises(KeyError):
        _field(STATUS, "Tgid")


def test_a_name_cannot_forge_a_field() -> None:
    """The kernel escapes a newline in a process's name: `x\\nUid:\\t0` stays on the Name line."""
    assert _field(STATUS, "Uid").split()[0] == "1000"


def _by_splitting(pid: int) -> tuple[int, int, int]:
    with open(f"/proc/{pid}/status") as f:
        fields = dict(line.split(":", 1) for line in f.read().splitlines() if ":" in line)
    return int(fields["PPid"]), int(fields["NSpgid"].split()[0]), int(fields["Uid"].split()[0])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc")
def test_the_table_matches_splitting_every_line() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        table = _processes()
        for pid in (os.getpid(), child.pid):
            proc = table[pid]
            assert (proc.ppid, proc.pgid, proc.uid) == _by_splitting(pid)
            assert proc.rss > 0
        assert child.pid in _members(os.getpid(), None)
    finally:
        child.kill()
        child.wait()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc")
def test_a_zombie_is_not_in_the_table() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        for _ in range(500):  # until it has exited, unreaped
            with open(f"/proc/{child.pid}/status") as f:
                if "\nState:\tZ" in f.read():
                    break
            processes.time.sleep(0.01)
        assert child.pid not in _processes()
    finally:
        child.wait()
