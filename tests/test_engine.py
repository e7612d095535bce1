"""Turning a probe's outcome into a check result."""

from __future__ import annotations

import os
import subprocess
import sys

import torch
from conftest import ROOT

from grader.engine import judge
from grader.results import Status
from grader.sandbox.protocol import observe
from grader.sandbox.runner import Outcome
from grader.spec import Check


def _probe(run):
    return {}


def _exploding_judge(native, exact, got):
    raise RuntimeError("max(): Expected reduction dim to be specified for input.numel() == 0")


def test_a_judge_that_raises_costs_the_check_not_the_grading():
    check = Check(id="logits", title="returns logits", points=1, probe=_probe, judge=_exploding_judge)
    got = {"out": observe(torch.empty(0, 10))}
    result = judge(check, got, got, Outcome(Status.PASSED, observations=got), memory_mb=100)
    assert result.status is Status.ERROR and result.score == 0
    assert result.feedback.summary == ("judge_failed", {"exception": "RuntimeError"})


def test_a_missing_gradient_is_named():
    check = Check(id="grad", title="gradients", points=1, probe=_probe)
    expected = {"gradient w.r.t. x of f(x)": observe(torch.ones(3))}
    got = {"gradient w.r.t. x of f(x)": observe(None)}
    result = judge(check, expected, expected, Outcome(Status.PASSED, observations=got), memory_mb=100)
    assert result.status is Status.FAILED
    assert result.feedback.summary == ("no_gradient", {"name": "x"})


def test_grading_in_process_leaves_the_callers_thread_count_alone():
    from conftest import ROOT
    from grader import api

    torch.set_num_threads(2)
    api.check("sq_loss", file=ROOT / "reference_solutions" / "sq_loss.py")
    assert torch.get_num_threads() == 2


def test_a_script_without_a_main_guard_is_not_run_again_by_the_workers(tmp_path):
    """multiprocessing re-imports the parent's main script in new processes; the sandbox must not."""
    script = tmp_path / "grade_me.py"
    script.write_text(
        "import grader\n"
        f"report = grader.check('sq_loss', file={str(ROOT / 'reference_solutions' / 'sq_loss.py')!r})\n"
        "print('SCORE', report.score)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.count("SCORE") == 1
    assert "bootstrapping phase" not in done.stderr
