"""Turning a probe's outcome into a check result."""

from __future__ import annotations

import os
import subprocess
import sys
import time

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
    from grader import keys

    key = keys.gradient("x", of=keys.call("plain", text="f(x)"))
    expected = {key: observe(torch.ones(3))}
    got = {key: observe(None)}
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


def _seeing_judge(native, exact, got, seen):
    from grader.compare import Comparison, Mismatch

    if seen.cpu is None:
        return Comparison(Mismatch(summary=("not_observed", {"what": "time"})))
    return Comparison()


def _doubting_judge(native, exact, got):
    from grader.compare import Comparison, Mismatch

    return Comparison(Mismatch(summary=("unexpected_answer", {})))


def test_a_check_that_sees_gets_what_the_grader_saw_and_cannot_pass_without_it():
    from grader.spec import Seen

    check = Check(id="how", title="how", points=1, probe=_probe, judge=_seeing_judge, sees=True)
    outcome = Outcome(Status.PASSED, observations={})
    assert judge(check, {}, {}, outcome, memory_mb=100, seen=Seen(cpu=0.01)).status is Status.PASSED
    assert judge(check, {}, {}, outcome, memory_mb=100, seen=Seen()).status is Status.FAILED
    assert judge(check, {}, {}, outcome, memory_mb=100).status is Status.ERROR


def test_an_answer_the_probe_cannot_have_sent_is_the_checks_error():
    check = Check(id="trained", title="trained", points=1, probe=_probe, judge=_doubting_judge)
    result = judge(check, {}, {}, Outcome(Status.PASSED, observations={}), memory_mb=100)
    assert result.status is Status.ERROR and result.feedback.summary == ("unexpected_answer", {})


def test_the_workers_cpu_time_is_read_from_outside():
    from grader.engine import worker_cpu

    busy = subprocess.Popen([sys.executable, "-c", "import time\nt = time.process_time()\n"
                             "while time.process_time() - t < 0.3: pass\ntime.sleep(5)"])
    try:
        deadline = time.monotonic() + 20
        while (worker_cpu(busy.pid) or 0) < 0.3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert 0.3 <= worker_cpu(busy.pid) < 5
    finally:
        busy.kill()
        busy.wait()
    assert worker_cpu(None) is None


def test_the_references_cpu_time_is_known_once_it_has_run():
    from grader.engine import reference, reference_cpu

    reference("broadcast_distances", 5, "cpu")
    assert 0 < reference_cpu("broadcast_distances", 5, "cpu") < 5


def test_the_report_says_once_when_the_machine_cannot_confine_reads(monkeypatch):
    from rich.console import Console

    from grader import api
    from grader.report import render, to_json
    from grader.sandbox import confine

    reference = ROOT / "reference_solutions" / "sq_loss.py"
    report = api.check("sq_loss", file=reference)
    assert report.isolation["file_reads_confined"] == (confine.landlock_abi() >= 1)
    monkeypatch.setattr(confine, "landlock_abi", lambda: 0)  # the grader's own finding, never the worker's
    report = api.check("sq_loss", file=reference)
    assert to_json(report)["isolation"]["file_reads_confined"] is False
    console = Console(record=True, width=120)
    render(report, console)
    assert console.export_text().count("no Landlock on this machine") == 1
    assert report.score == report.max_score


# -- what judges and probes are given -------------------------------------------------------------

def _judge_at(native, exact, got, tolerance):
    return tolerance


def test_a_judge_that_takes_a_tolerance_is_given_its_checks(monkeypatch):
    from grader.spec import Tolerance

    loose, tight = Tolerance(rtol=1e-2, atol=1e-2), Tolerance(rtol=1e-9, atol=1e-12)
    check = Check(id="values", points=1, probe=_probe, judge=_judge_at, tolerance=loose)
    assert check.judge({}, {}, {}) == loose  # as the engine and grader.mistakes call it
    assert check.model_copy(update={"tolerance": tight}).judge({}, {}, {}) == tight  # a copy is not validated
    assert check.model_copy(update={"title": "values"}).judge({}, {}, {}) == loose
    untouched = Check(id="raises", points=1, probe=_probe, judge=_exploding_judge)
    assert untouched.judge is _exploding_judge  # a judge without a tolerance parameter is called as it is


def test_a_call_can_go_unrecorded():
    from grader.probes import Run

    run = Run({})
    x = torch.ones(3)
    assert torch.equal(run.call(torch.add, x, x, record=False), 2 * x) and run.ops == []
    run.call(torch.add, x, x)
    assert run.uses("torch.add") == ["torch.add"]


def test_a_tuple_fact_is_said_as_a_tuple():
    from grader import bank, keys

    bank.get("adam_step")  # registers its messages
    key = keys.call("adam_step.call", shape=[[2]], step=1, lr=0.1, betas=(0.9, 0.999), eps=1e-8)
    assert key == keys.call("adam_step.call", shape=[[2]], step=1, lr=0.1, betas="(0.9, 0.999)", eps=1e-8)
    for lang in ("en", "ja"):
        assert "betas=(0.9, 0.999)" in keys.said(key, lang)
    assert "(5,)" in keys.said(keys.call("adam_step.call", shape=[[5]], step=1, lr=0.1, betas=(5,), eps=1e-8))
