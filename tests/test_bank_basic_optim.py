"""basic_optim: the reference is torch.optim.SGD step by step on the probe's own setting (so the expected values
are SGD's), and the loop's judge tells a used-up generator from gradients that are never reset."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from conftest import checks_of, mutant_path, reference_path
from grader.bank.folder import load_module
from grader.probes import Run, seed_everything
from grader.sandbox.protocol import roundtrip

bo = checks_of("basic_optim")


@pytest.fixture(scope="module")
def reference():
    return load_module(reference_path("basic_optim"), "test_basic_optim_reference")


def test_the_reference_equals_torch_sgd_step_by_step(reference):
    run = Run({}, student=False)
    ours, theirs = bo._model(run), bo._model(run)
    opt, sgd = reference.BasicOptim(ours.parameters(), bo.LR), torch.optim.SGD(theirs.parameters(), lr=bo.LR)
    for k in range(6):
        xb, yb = bo._batch(run, k)
        for model, optimizer in ((ours, opt), (theirs, sgd)):
            bo.mnist_loss(model(xb), yb).backward()
            optimizer.step()
            optimizer.zero_grad()
        for mine, sgds in zip(ours.parameters(), theirs.parameters()):
            assert mine.grad is None and sgds.grad is None
            torch.testing.assert_close(mine, sgds)
        assert not torch.equal(ours.weight, bo._model(run).weight)  # it moved


def test_the_learning_rates_are_not_fastbooks():
    assert 1.0 not in (bo.LR, bo.LIST_LR) and bo.LR != bo.LIST_LR


def _judged(check_id: str, path: Path):
    """A check's judgement of the file at `path`, with the reference's observations, all in this process."""
    check = next(c for c in bo.EXERCISE.checks if c.id == check_id)
    ns_ref = vars(load_module(reference_path("basic_optim"), "test_basic_optim_reference_judged"))
    ns = vars(load_module(path, f"test_basic_optim_{path.stem}"))
    seed_everything(0)
    native = roundtrip(check.probe(Run(ns_ref, student=False)))
    exact = roundtrip(check.probe(Run(ns_ref, upcast=True, student=False)))
    return check.judge(native, exact, roundtrip(check.probe(Run(ns))))


@pytest.mark.parametrize("mutant,hint", [("no_list", "hint.basic_optim.generator"),
                                         ("grad_compared", "hint.basic_optim.reset")])
def test_the_loops_hint_names_the_mistake(mutant, hint):
    result = _judged("steps", mutant_path("basic_optim", mutant))
    assert result.mismatch is not None and result.mismatch.hint == hint
    assert "step" in result.called and '"step": 2' in result.called  # the first step is right; the second is not


def test_the_loop_passes_the_reference():
    result = _judged("steps", reference_path("basic_optim"))
    assert result.mismatch is None
