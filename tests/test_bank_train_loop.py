"""train_loop: what the probe hands to train, and which hint each typical mistake gets."""

from __future__ import annotations

import functools
import string
from pathlib import Path

import pytest
import torch

from conftest import checks_of, grader, reference_path
from grader.bank.folder import load_module
from grader.i18n import en, ja, text
from grader.probes import Run
from grader.sandbox.protocol import roundtrip

tl = checks_of("train_loop")

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = ROOT / "exercises" / "train_loop" / "mutants"


@pytest.fixture(scope="module")
def train():
    return load_module(reference_path("train_loop"), "test_train_loop_reference").train


def test_the_probe_loss_is_asymmetric():
    p, t = torch.randn(6, 1), torch.randn(6, 1)
    loss = tl.AsymmetricLoss()
    assert abs(loss(p, t).item() - loss(t, p).item()) > 1e-3


def test_the_optimizer_arrives_warm_with_no_gradients_pending():
    _, _, model, _, optimizer = tl._setup(Run({}, student=False))
    assert (tl.LR, tl.MOMENTUM) != (0.003, 0.9)  # the notebook's settings would hide a hard-coded optimizer
    assert all(p.grad is None for p in model.parameters())
    assert all(buffer is not None for buffer in tl._momentum(model, optimizer).values())


def test_the_setup_is_the_same_every_time():
    first, second = tl._setup(Run({})), tl._setup(Run({}))
    assert torch.equal(first[0], second[0]) and torch.equal(first[1], second[1])
    for a, b in zip(first[2].parameters(), second[2].parameters()):
        assert torch.equal(a, b)


def test_the_reference_records_the_loss_before_each_step(train):
    features, labels, model, loss_fun, optimizer = tl._setup(Run({}))
    first = loss_fun(model(features), labels).item()
    losses = train(features, labels, model, loss_fun, optimizer, 3)
    assert len(losses) == 3 and all(type(v) is float for v in losses)
    assert losses[0] == first


def _hint(expected: list[float], recorded: list[float]) -> str | None:
    native = roundtrip({"losses": expected})
    got = roundtrip({"losses": recorded})
    return tl._loss_hint(native, got, "losses", tl.TOLERANCE)


def test_loss_patterns_point_to_the_step_that_is_wrong():
    ref = [1.0, 0.8, 0.7, 0.65]
    assert _hint(ref, ref) is None
    assert _hint(ref, [1.1, 0.9, 0.8, 0.7]) == "hint.train_loop.first_loss"
    assert _hint(ref, [1.0, 1.0, 1.0, 1.0]) == "hint.train_loop.no_update"
    assert _hint(ref, [1.0, 0.9, 0.8, 0.7]) == "hint.train_loop.first_step"
    assert _hint(ref, [1.0, 0.8, 0.75, 0.9]) == "hint.train_loop.accumulate"
    assert _hint(ref, [0.8, 0.7, 0.65, 0.62]) == "hint.train_loop.after_step"


def test_the_stub_keeps_the_notebooks_loop_and_scores_zero(run_grader):
    stub = (ROOT / "exercises" / "train_loop.py").read_text()
    assert "loss_record = []" in stub and "for i in range(n_epochs):" in stub
    result = run_grader("check", "train_loop", "--file", ROOT / "exercises" / "train_loop.py", "--json")
    assert result.code == 1 and result.json["score"] == 0
    assert "not implemented yet" in result.json["tests"][0]["message"]


@functools.cache
def _graded(mutant: str) -> dict[str, dict]:
    result = grader("check", "train_loop", "--file", MUTANTS / f"{mutant}.py", "--json")
    assert result.code == 1
    return {t["id"]: t for t in result.json["tests"]}


@pytest.mark.parametrize(("mutant", "check", "hint"), [
    ("no_zero_grad", "losses", "hint.train_loop.accumulate"),
    ("zero_grad_between", "losses", "hint.train_loop.no_update"),
    ("step_without_parens", "losses", "hint.train_loop.no_update"),
    ("swapped_loss_args", "losses", "hint.train_loop.first_loss"),
    ("globals_data", "losses", "hint.train_loop.first_loss"),
    ("new_optimizer", "losses", "hint.train_loop.first_step"),
    ("new_optimizer", "optimizer", "hint.train_loop.new_optimizer"),
    ("global_model", "parameters", "hint.train_loop.model_unchanged"),
    ("append_tensor", "returns", "hint.train_loop.item"),
    ("item_not_called", "returns", "hint.train_loop.item_call"),
    ("loss_after_step", "losses", "hint.train_loop.after_step"),
    ("global_epochs", "returns", "hint.train_loop.one_per_epoch"),
])
def test_each_mistake_gets_the_hint_that_names_it(mutant, check, hint):
    tests = _graded(mutant)
    assert tests[check]["status"] == "failed"
    assert tests[check]["hint"] == text(hint)


def test_the_loss_message_shows_both_trajectories():
    message = _graded("no_zero_grad")["losses"]["message"]
    assert "epoch 2" in message and "expected: [" in message and "got: [" in message
