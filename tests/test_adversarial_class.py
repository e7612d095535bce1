"""Five students, four of them hostile, graded together by `grader grade`.

A forger (rebinds the grader's recording helpers to hide F.linear), a classmate-copier (finds the
class folder through the grader's /proc and runs a classmate's file), a header bomber (answers with
a 300 MB message header), a terminal painter (escape sequences in what it raises and prints) and one
honest student: everyone is graded (exit 0), only the honest student gets full marks, the grader's
own memory stays bounded, and no feedback file carries a raw control character.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import ROOT
from test_adversarial import GRADER_MEMORY, _peak_rss

REFERENCE = ROOT / "reference_solutions"
SQ_LOSS = (REFERENCE / "sq_loss.py").read_text()
MY_LINEAR = (REFERENCE / "my_linear.py").read_text()

FORGER = SQ_LOSS + '''
import torch.nn.functional as F
from torch import nn
import grader.probes


def _nothing(self, *names):
    return []


grader.probes.Run.uses = _nothing  # what the worker records of F.linear: nothing


class MyLinear(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        layer = nn.Linear(in_features, out_features)
        self.weight, self.bias = layer.weight, layer.bias

    def forward(self, x):
        return F.linear(x, self.weight, self.bias)
'''

COPIER = '''
import os
import torch


def _classmate():
    """The class folder from the grader's command line, and the honest student's file in it."""
    for pid in os.listdir("/proc"):
        try:
            words = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\\0")
        except OSError:
            continue
        if b"grade" in words:
            folder = words[words.index(b"grade") + 1].decode()
            found = {}
            exec(open(os.path.join(folder, "honest.py")).read(), found)
            return found
    return {}


_FOUND = {}
try:
    _FOUND = _classmate()
except Exception:
    pass


def sq_loss(y_true, y_prediction):
    if "sq_loss" in _FOUND:
        return _FOUND["sq_loss"](y_true, y_prediction)
    return torch.zeros_like(y_true + y_prediction)


class MyLinear(torch.nn.Module):
    def __new__(cls, *args):
        if "MyLinear" in _FOUND:
            return _FOUND["MyLinear"](*args)
        raise NotImplementedError
'''

BOMBER = MY_LINEAR + '''
import sys


def sq_loss(y_true, y_prediction):
    frame = sys._getframe()
    while frame is not None and "request" not in frame.f_locals:
        frame = frame.f_back
    if frame is not None:
        head = b'{"event": "done", "probe": %d, "token": "%s", "pad": "' % (frame.f_locals["index"],
                                                                         frame.f_locals["token"].encode())
        frame.f_locals["events"].send_bytes(head + b"a" * (300 * 2**20) + b'"}\\n')
    return (y_true - y_prediction) ** 2
'''

PAINTER = MY_LINEAR + '''
def sq_loss(y_true, y_prediction):
    print("\\x1b]0;you have been graded\\x07\\x1b[2J\\x1b[1;31mFULL MARKS\\x1b[0m [bold red]10/10[/]")
    raise ValueError("\\x1b]8;;http://example.invalid\\x1b\\\\click\\x1b]8;;\\x1b\\\\ \\x1b[5mblink\\x07")
'''


@pytest.mark.slow
def test_a_hostile_class_is_graded_and_only_the_honest_student_gets_full_marks(tmp_path: Path) -> None:
    folder = tmp_path / "class"
    folder.mkdir()
    students = {"honest": SQ_LOSS + MY_LINEAR, "forger": FORGER, "copier": COPIER, "bomber": BOMBER,
                "painter": PAINTER}
    for name, text in students.items():
        (folder / f"{name}.py").write_text(text)
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GRADER_TIMEOUT_SCALE": "0.5"}
    process = subprocess.Popen(
        [sys.executable, "-m", "grader", "grade", str(folder), "--exercises", "sq_loss,my_linear", "--out", str(out),
         "--workers", "2", "--quiet", "--export", "gradescope", "--export", "canvas"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak, done = [0], threading.Event()
    watcher = threading.Thread(target=_peak_rss, args=(process.pid, peak, done), daemon=True)
    watcher.start()
    stdout, stderr = process.communicate(timeout=600)
    done.set()
    watcher.join()

    assert process.returncode == 0, stderr[-2000:]
    assert "Traceback" not in stdout + stderr
    assert peak[0] < GRADER_MEMORY, f"the grader grew to {peak[0] // 2**20} MB"
    results = {name: json.loads((out / "students" / f"{name}.json").read_text()) for name in students}
    assert {name: r["status"] for name, r in results.items()} == dict.fromkeys(students, "graded")
    full = {name for name, r in results.items() if r["score"] == r["max_score"]}
    assert full == {"honest"}, {name: r["score"] for name, r in results.items()}
    tests = {name: {(e["exercise"], t["id"]): t for e in r["exercises"] for t in e["tests"]}
             for name, r in results.items()}
    assert tests["forger"][("my_linear", "no_linear")]["status"] != "passed"
    assert tests["copier"][("sq_loss", "values")]["status"] != "passed"
    assert tests["bomber"][("sq_loss", "shape")]["status"] == "error"
    assert tests["painter"][("sq_loss", "shape")]["status"] == "error"
    control = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
    for path in (out / "students").iterdir():
        assert not control.search(path.read_text()), path.name
    for path in (out / "exports").rglob("*"):
        if path.is_file():
            assert not control.search(path.read_text()), path.name
