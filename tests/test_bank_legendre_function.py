"""legendre_function: the gradcheck probe computes what torch.autograd.gradcheck compares, and the grader decides."""

from __future__ import annotations

import functools

import pytest
import torch

from conftest import checks_of, mutant_path, reference_path
from grader import api
from grader.bank.folder import load_module
from grader.probes import Run
from grader.results import Status
from grader.sandbox.protocol import roundtrip

lf = checks_of("legendre_function")


@pytest.fixture(scope="module")
def reference():
    return load_module(reference_path("legendre_function"), "test_legendre_function_reference")


def test_the_reference_passes_torch_gradcheck_and_its_jacobians_are_torchs(reference):
    function = reference.LegendrePolynomial3
    x = torch.linspace(-1.5, 1.5, 6, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(function.apply, (x,))
    observed = lf._gradcheck(Run(vars(reference), student=False))
    point = Run({}).make(lf.uniform(6, low=-1.5, high=1.5, seed=5, dtype="float64"))
    expected = torch.autograd.functional.jacobian(lambda t: 0.5 * (5 * t ** 3 - 3 * t), point)
    torch.testing.assert_close(observed["analytical"], expected, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(observed["numerical"], expected, rtol=1e-6, atol=1e-7)


@pytest.fixture(scope="module")
def measured(reference):
    return lf._gradcheck(Run(vars(reference), student=False))


def _judge(measured: dict, got: dict) -> tuple[str, str | None]:
    native = roundtrip(measured)
    mismatch = lf._judge_gradcheck(native, native, roundtrip(got), lf.GRADCHECK).mismatch
    return ("passed", None) if mismatch is None else (mismatch.summary[0], mismatch.hint)


def test_the_judge_needs_two_square_jacobians_that_agree_with_the_forward(measured):
    j = measured["numerical"]
    judge = functools.partial(_judge, measured)
    assert judge({"analytical": j, "numerical": j}) == ("passed", None)
    assert judge({"analytical": 2 * j, "numerical": j}) == ("legendre_function.jacobian_mismatch",
                                                             "hint.legendre_function.derivative")
    assert judge({"analytical": j + 1.0, "numerical": j})[1] == "hint.legendre_function.chain_rule"
    # agreeing with each other, but not measured from a forward that computes P3: a forged answer must not pass
    eye = torch.eye(6, dtype=torch.float64)
    assert judge({"analytical": eye, "numerical": eye}) == ("values_differ", "hint.legendre_function.forward")
    small = torch.eye(2, dtype=torch.float64)
    assert judge({"analytical": small, "numerical": small})[0] == "wrong_shape"
    assert judge({"analytical": eye.float(), "numerical": eye.float()})[0] == "wrong_dtype"
    assert judge({"analytical": None, "numerical": None})[0] == "no_gradient"
    assert judge({})[0] == "not_observed"


@pytest.mark.parametrize("mutant,hint", [
    ("no_chain_rule", "hint.legendre_function.chain_rule"),
    ("saves_output", "hint.legendre_function.derivative"),
])
def test_gradcheck_hints(mutant, hint):
    report = api.check("legendre_function", file=mutant_path("legendre_function", mutant))
    gradcheck = next(c for c in report.checks if c.id == "gradcheck")
    assert gradcheck.status is Status.FAILED and gradcheck.feedback is not None
    assert gradcheck.feedback.hint == hint


def test_a_function_of_its_own_loses_the_function_point_with_its_hint():
    report = api.check("legendre_function", file=mutant_path("legendre_function", "plain_autograd"))
    function = next(c for c in report.checks if c.id == "function")
    assert function.status is Status.FAILED and function.feedback is not None
    assert function.feedback.hint == "hint.legendre_function.function"
