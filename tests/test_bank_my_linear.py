"""my_linear: facts the checks rely on, the init judge on known distributions, and feedback texts."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
from torch import nn

from conftest import checks_of, reference_path
from grader.bank.folder import load_module
from grader.probes import Run
from grader.sandbox.protocol import observe

my_linear = checks_of("my_linear")

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = ROOT / "exercises" / "my_linear" / "mutants"


@pytest.fixture(scope="module")
def MyLinear():  # noqa: N802 - the class under test
    return load_module(reference_path("my_linear"), "test_my_linear_reference").MyLinear


def test_state_dict_of_nn_linear_loads_and_matches(MyLinear):  # noqa: N803
    torch.manual_seed(0)
    linear = nn.Linear(4, 5)
    mine = MyLinear(4, 5)
    mine.load_state_dict(linear.state_dict())
    x = torch.randn(2, 3, 4)
    torch.testing.assert_close(mine(x), linear(x))
    torch.testing.assert_close(mine(x[0, 0]), linear(x[0, 0]))


def test_book_gradient_example(MyLinear):  # noqa: N803
    # catalogue seed-001 E21: W = 1..20 as (5, 4), b = 1..5, two rows [1, 2, 3, 4], L = y.sum().
    mine = MyLinear(4, 5)
    with torch.no_grad():
        mine.weight.copy_(torch.arange(1.0, 21.0).reshape(5, 4))
        mine.bias.copy_(torch.arange(1.0, 6.0))
    x = torch.tensor([[1.0, 2, 3, 4], [1, 2, 3, 4]], requires_grad=True)
    y = mine(x)
    assert y.tolist() == [[31, 72, 113, 154, 195]] * 2
    y.sum().backward()
    assert mine.weight.grad.tolist() == [[2, 4, 6, 8]] * 5
    assert mine.bias.grad.tolist() == [2] * 5
    assert x.grad.tolist() == [[45, 50, 55, 60]] * 2


def test_forbidden_names_are_what_torch_records():
    run = Run({})
    run.call(nn.Linear(4, 5), torch.randn(2, 4))
    run.call(torch.nn.functional.linear, torch.randn(2, 4), torch.randn(5, 4))
    assert run.uses(*my_linear.FORBIDDEN_OPS) == ["torch.nn.functional.linear"]


def _judge_init(weight: torch.Tensor, bias: torch.Tensor):
    got = {"weight": observe(weight), "bias": observe(bias)}
    return my_linear._judge_init({}, {}, got).mismatch


def _uniform(shape, bound, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return (torch.rand(shape, generator=gen) * 2 - 1) * bound


def _skewed(shape, bound):
    """U(-bound, bound) with the values below -0.8 bound flipped: right spread, off-centre."""
    t = _uniform(shape, bound)
    return torch.where(t < -0.8 * bound, -t, t)


BOUND = 1 / math.sqrt(my_linear.INIT_IN)
W_SHAPE = (my_linear.INIT_OUT, my_linear.INIT_IN)
B_SHAPE = (my_linear.INIT_OUT,)


def test_init_accepts_nn_linear_and_the_books_bias():
    linear = nn.Linear(my_linear.INIT_IN, my_linear.INIT_OUT)
    assert _judge_init(linear.weight.detach(), linear.bias.detach()) is None
    # The book's bias range, U(-1/in, 1/in).
    assert _judge_init(_uniform(W_SHAPE, BOUND), _uniform(B_SHAPE, 1 / my_linear.INIT_IN, seed=1)) is None


@pytest.mark.parametrize(("weight", "bias", "summary"), [
    (torch.zeros(W_SHAPE), _uniform(B_SHAPE, BOUND), "my_linear.init_constant"),
    (torch.full(W_SHAPE, float("nan")), _uniform(B_SHAPE, BOUND), "my_linear.init_nonfinite"),
    (_uniform(W_SHAPE, 1 / my_linear.INIT_IN), _uniform(B_SHAPE, BOUND), "my_linear.init_spread"),
    (torch.randn(W_SHAPE), _uniform(B_SHAPE, BOUND), "my_linear.init_bound"),
    (torch.randn(W_SHAPE) * BOUND / math.sqrt(3), _uniform(B_SHAPE, BOUND), "my_linear.init_bound"),
    (_skewed(W_SHAPE, BOUND), _uniform(B_SHAPE, BOUND), "my_linear.init_mean"),
    (_uniform(W_SHAPE, BOUND * math.sqrt(6)), _uniform(B_SHAPE, BOUND), "my_linear.init_bound"),  # kaiming, a=0
    (nn.init.xavier_uniform_(torch.empty(W_SHAPE)), _uniform(B_SHAPE, BOUND), "my_linear.init_spread"),
    (_uniform(W_SHAPE, BOUND), torch.zeros(B_SHAPE), "my_linear.init_constant"),
    (_uniform(W_SHAPE, BOUND), torch.ones(B_SHAPE) * 0.05 + _uniform(B_SHAPE, 1e-4), "my_linear.init_spread"),
])
def test_init_rejects(weight, bias, summary):
    mismatch = _judge_init(weight, bias)
    assert mismatch is not None and mismatch.summary[0] == summary




@pytest.mark.parametrize(("mutant", "check", "words"), [
    ("weight_in_out.py", "parameters", "MyLinear(4, 5).weight has shape (4, 5); expected (5, 4)"),
    ("plain_tensors.py", "parameters", "not an nn.Parameter"),
    ("wrong_names.py", "parameters", "w, b"),
    ("uninitialised_empty.py", "init", "MyLinear(100, 1000).weight"),
    ("uses_f_linear.py", "no_linear", "line {nn.functional.linear(} uses nn.functional.linear"),
    ("f_linear_for_batches.py", "no_linear", "line {F.linear(} uses F.linear"),
])
def test_mutant_feedback_points_at_the_mistake(run_grader, mutant, check, words):
    done = run_grader("check", "my_linear", "--file", MUTANTS / mutant, "--json")
    assert done.code == 1
    test = next(t for t in done.json["tests"] if t["id"] == check)
    assert test["status"] != "passed"
    if "{" in words:  # "line {needle}": the line of the mutant that holds needle (its docstring's length may change)
        needle = words[words.index("{") + 1:words.index("}")]
        lines = (MUTANTS / mutant).read_text(encoding="utf-8").splitlines()
        words = words.replace(f"{{{needle}}}", str(next(i for i, t in enumerate(lines, 1) if needle in t)))
    assert words in test["message"]
