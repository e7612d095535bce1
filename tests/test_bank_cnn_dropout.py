"""cnn_dropout: the dropout measure at fc2's input keeps every correct dropout far inside its tolerance and
every wrong p far outside, whatever seed; and each mistake gets the hint that names it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch

from conftest import alternates_dir, checks_of, mutant_path, reference_path
from grader.bank.folder import load_module
from grader.probes import Run, seed_everything
from grader.sandbox.protocol import roundtrip

cd = checks_of("cnn_dropout")
SEEDS = range(4)


def _module(path: Path) -> Any:
    return load_module(path, f"test_cnn_dropout_{path.parent.name}_{path.stem}")


def _with_p(p: float) -> dict[str, Any]:
    """The reference network with nn.Dropout(p)."""
    net = _module(reference_path("cnn_dropout")).MnistCNNDropout

    class Net(net):  # type: ignore[misc, valid-type]
        def __init__(self) -> None:
            super().__init__()
            self.dropout = torch.nn.Dropout(p)

    return {"MnistCNNDropout": Net}


def _rate(ns: dict[str, Any], seed: int, monkeypatch: pytest.MonkeyPatch) -> tuple[float, float]:
    monkeypatch.setattr(cd, "DROP_SEED", seed)
    out = cd._dropout(Run(ns, student=False))
    return out[cd.DROPPED], out[cd.SCALED]


@pytest.fixture(scope="module")
def expected() -> float:
    """The reference's rate, as the check measures it (its fixed seed)."""
    return cd._dropout(Run(vars(_module(reference_path("cnn_dropout"))), student=False))[cd.DROPPED]


def test_about_half_of_some_thousands_of_units_are_measured(expected):
    assert abs(expected - 0.5) < 0.02
    assert cd.N_DROP * 64 > 10_000 and cd.RATE.atol == pytest.approx(0.06)


@pytest.mark.parametrize("seed", SEEDS)
def test_a_dropout_that_draws_other_masks_stays_far_inside_the_tolerance(expected, seed, monkeypatch):
    rate, scaled = _rate(vars(_module(alternates_dir("cnn_dropout") / "bernoulli_mask.py")), seed, monkeypatch)
    assert abs(rate - expected) < cd.RATE.atol / 2 and scaled == 1.0  # margin < 0.5: never "flaky"


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("p", [0.4, 0.6, 0.25])
def test_a_wrong_p_is_always_outside_it(expected, p, seed, monkeypatch):
    rate, _ = _rate(_with_p(p), seed, monkeypatch)
    assert abs(rate - expected) > cd.RATE.atol + 0.02


def test_the_measure_does_not_depend_on_the_grading_seed():
    ns = vars(_module(reference_path("cnn_dropout")))
    seed_everything(0)
    first = cd._dropout(Run(ns, student=False))
    seed_everything(1)
    assert cd._dropout(Run(ns, student=False)) == first


def _judged(check_id: str, path: Path):
    """A check's judgement of the file at `path`, with the reference's observations, all in this process."""
    check = next(c for c in cd.EXERCISE.checks if c.id == check_id)
    ns_ref = vars(_module(reference_path("cnn_dropout")))
    seed_everything(0)
    native = roundtrip(check.probe(Run(ns_ref, student=False)))
    exact = native if check.reference == "native" else roundtrip(check.probe(Run(ns_ref, upcast=True, student=False)))
    return check.judge(native, exact, roundtrip(check.probe(Run(vars(_module(path))))))


@pytest.mark.parametrize("check,mutant,hint", [
    ("dropout", "dropout_quarter", "hint.cnn_dropout.rate"),
    ("dropout", "dropout_on_logits", "hint.cnn_dropout.not_dropped"),
    ("dropout", "mask_not_rescaled", "hint.cnn_dropout.scale"),
    ("eval_outputs", "functional_always_on", "hint.cnn_dropout.eval_random"),
    ("eval_outputs", "dropout_made_in_forward", "hint.cnn_dropout.eval_random"),
    ("eval_outputs", "book_no_relu_conv2", "hint.cnn_dropout.no_relu_conv2"),
    ("eval_outputs", "softmax_output", "hint.cnn_dropout.outputs"),
])
def test_each_mistake_gets_the_hint_that_names_it(check, mutant, hint):
    result = _judged(check, mutant_path("cnn_dropout", mutant))
    assert result.mismatch is not None and result.mismatch.hint == hint


@pytest.mark.parametrize("check", ["eval_outputs", "dropout"])
def test_the_reference_passes_its_judges(check):
    assert _judged(check, reference_path("cnn_dropout")).mismatch is None
