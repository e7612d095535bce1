"""A judge never silently ignores its check's tolerance: over the whole built-in bank, the reference's own
observations moved just inside the check's tolerance pass, and moved clearly outside it fail, through the
check's real judge (engine.judge, as grading runs it).

"Inside" and "outside" are computed from the check's `tolerance` the way compare.py computes the allowed error
(torch.testing's rtol/atol for the dtype or the check's own, scaled by sqrt(reduction), plus the reference's own
float32 rounding): a judge that decides closeness with numbers of its own passes what it should fail or fails
what it should pass. Checks where this cannot apply are listed with the reason.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
import torch

from grader import bank, engine, keys
from grader.compare import Comparison, allowed_error, compare_observations
from grader.results import Status
from grader.sandbox.protocol import Observed
from grader.sandbox.runner import Outcome
from grader.spec import Check, Exercise, Judge, Tolerance

INSIDE = 0.8  # of the allowed error (rounding to float32 adds at most ~0.06 of it in this bank)
OUTSIDE = 1.25
FAR = 1e4  # what any judge of the key fails, whatever closeness of its own it has

# Visible checks that compare floating-point values with the reference but not at a tolerance, and why.
NOT_BY_TOLERANCE: dict[tuple[str, str], str] = {
    ("cnn_classifier", "logits"): "a property of the student's outputs (logits, not probabilities), not the "
                                  "reference's values: its thresholds are named in checks.py",
    ("cnn_classifier", "training"): "a measured accuracy: the grader's own test of the trained weights against "
                                    "a floor below the reference's",
    ("my_linear", "init"): "statistics of the student's own random initialisation (bounds, spread, mean), not "
                           "the reference's draw",
}


def _builtin() -> list[Exercise]:
    builtin = next(b for b in bank.banks() if b.builtin)
    return [bank.get(f"{builtin.name}:{name}") for name in builtin.exercise_names()]


def _has_floats(obs: Observed) -> bool:
    if obs.is_tensor:
        return bool(obs.value.is_floating_point() or obs.value.is_complex())
    if isinstance(obs.value, list):
        return any(_has_floats(item) for item in obs.value)
    if isinstance(obs.value, dict):
        return any(_has_floats(item) for item in obs.value.values())
    return type(obs.value) is float


def _why_not(exercise: Exercise, check: Check, native: dict[str, Observed]) -> str | None:
    """Why moving values within the tolerance says nothing about `check` (None: it applies)."""
    if check.sees:
        return "a how-check: decided from the source and the grader's own measurements"
    if not check.values:
        return "compares types, shapes and dtypes only"
    if not any(_has_floats(obs) for obs in native.values()):
        return "exact: no floating-point observation"
    return NOT_BY_TOLERANCE.get((exercise.name, check.id))


def _cases() -> Iterator[tuple[str, int]]:
    for exercise in _builtin():
        for index, check in enumerate(exercise.checks):
            if not check.hidden:
                yield exercise.ref, index


CASES = list(_cases())


def _id(case: tuple[str, int]) -> str:
    exercise = bank.get(case[0])
    return f"{exercise.name}.{exercise.checks[case[1]].id}"


def _moved(native: Observed, exact: Observed, tol: Tolerance, factor: float) -> Observed:
    """The reference's observation with every floating-point value moved by `factor` times the error the check
    allows there, alternately up and down; everything else as it is."""
    if native.is_tensor and (native.value.is_floating_point() or native.value.is_complex()):
        return dataclasses.replace(native, value=_moved_tensor(native.value, exact.value if exact.is_tensor
                                                               and exact.value.shape == native.value.shape
                                                               else native.value, tol, factor))
    if type(native.value) is float:
        expected = float(exact.value) if type(exact.value) in (float, int) else native.value
        # compare.py takes a Python float as a float32 result (a loss.item()) against the float64 run's
        moved = _moved_tensor(torch.tensor([native.value]).float(), torch.tensor([expected], dtype=torch.float64),
                              tol, factor)
        return dataclasses.replace(native, value=float(moved.double()[0]))
    if isinstance(native.value, list):
        others = exact.value if isinstance(exact.value, list) and len(exact.value) == len(native.value) \
            else native.value
        return dataclasses.replace(native, value=[_moved(n, x, tol, factor) for n, x in zip(native.value, others)])
    if isinstance(native.value, dict):
        items = exact.value if isinstance(exact.value, dict) else native.value
        return dataclasses.replace(native, value={k: _moved(v, items.get(k) or v, tol, factor)
                                                  for k, v in native.value.items()})
    return native


def _moved_tensor(native: torch.Tensor, exact: torch.Tensor, tol: Tolerance, factor: float) -> torch.Tensor:
    ref, allowed, _ = allowed_error(native, exact, native.dtype, tol, "cpu")
    signs = 1.0 - 2.0 * (torch.arange(ref.numel()) % 2).reshape(ref.shape).to(torch.float64)
    moved = torch.where(torch.isfinite(ref), ref + factor * allowed * signs, ref)
    return moved.to(native.dtype)


def _judged(ref: str, index: int, factor: float, check: Check | None = None, only: str | None = None) -> Status:
    """The status `check` (by default the bank's) gives the reference's observations moved by `factor` (`only`:
    that key's, the others as they are)."""
    exercise = bank.get(ref)
    check = check or exercise.checks[index]
    native, exact = engine.reference(ref, index, "cpu")
    got = {key: _moved(obs, exact.get(key, obs), check.tolerance, factor) if only in (None, key) else obs
           for key, obs in native.items()}
    return engine.judge(check, native, exact, Outcome(Status.PASSED, observations=got),
                        memory_mb=exercise.memory_mb).status


def _outside_passes(ref: str, index: int, check: Check | None = None) -> list[str]:
    """The keys that, moved alone clearly outside the tolerance, still pass, though the check fails them when
    they are moved far (a key never failed is one the check does not judge: the reference's own extras, the
    keys of another check of a shared probe). Raises if the check judges none."""
    native, _ = engine.reference(ref, index, "cpu")
    floating = [key for key, obs in native.items() if _has_floats(obs)]
    judged = [key for key in floating if _judged(ref, index, FAR, check, only=key) is not Status.PASSED]
    assert judged, "moving any one value far from the reference's passes: the check judges no value"
    return [keys.said(key) for key in judged if _judged(ref, index, OUTSIDE, check, only=key) is Status.PASSED]


def _not_applying(ref: str, index: int) -> str | None:
    """Why check `index` of exercise `ref` is not held to its tolerance (None: it is)."""
    exercise = bank.get(ref)
    return _why_not(exercise, exercise.checks[index], engine.reference(ref, index, "cpu")[0])


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_values_just_inside_the_checks_tolerance_pass(case: tuple[str, int]) -> None:
    ref, index = case
    reason = _not_applying(ref, index)
    if reason is not None:
        pytest.skip(f"not held to a tolerance: {reason}")
    assert _judged(ref, index, INSIDE) is Status.PASSED


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_each_value_clearly_outside_the_checks_tolerance_fails(case: tuple[str, int]) -> None:
    ref, index = case
    reason = _not_applying(ref, index)
    if reason is not None:
        pytest.skip(f"not held to a tolerance: {reason}")
    assert _outside_passes(ref, index) == []


def test_most_checks_are_held_to_their_tolerance() -> None:
    """The rule covers the bank: a check leaves it only for a reason above (and every listed one exists)."""
    applies = [case for case in CASES if _not_applying(*case) is None]
    assert len(applies) >= 40, len(applies)
    checks = {(bank.get(ref).name, bank.get(ref).checks[index].id) for ref, index in CASES}
    assert set(NOT_BY_TOLERANCE) <= checks


def _ignoring(native: dict[str, Observed], exact: dict[str, Observed], got: dict[str, Observed]) -> Comparison:
    """A judge with a closeness of its own (1e-3), as the issue found them."""
    return compare_observations(native, exact, got, Tolerance(rtol=1e-3, atol=1e-3))


def _honouring(native: dict[str, Observed], exact: dict[str, Observed], got: dict[str, Observed],
               tolerance: Tolerance) -> Comparison:
    return compare_observations(native, exact, got, tolerance)


@pytest.mark.parametrize("judge, caught", [(_ignoring, True), (_honouring, False)], ids=["ignores", "honours"])
def test_a_judge_that_ignores_the_tolerance_is_caught(judge: Judge, caught: bool) -> None:
    """The tests above fail for a judge with numbers of its own, and not for one that takes the check's."""
    exercise = bank.get("sq_loss")
    index = next(i for i, c in enumerate(exercise.checks) if c.id == "values")
    check = exercise.checks[index].model_copy(update={"judge": judge})
    inside_fails = _judged(exercise.ref, index, INSIDE, check) is not Status.PASSED
    assert (inside_fails or _outside_passes(exercise.ref, index, check) != []) is caught
