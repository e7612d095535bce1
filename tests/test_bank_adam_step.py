"""adam_step: the reference is torch.optim.Adam (trajectory and state), and each hint names the part that differs."""

from __future__ import annotations

import pytest
import torch

from conftest import checks_of, mutant_path, reference_path
from grader import api
from grader.bank.folder import load_module
from grader.probes import Run
from grader.results import Status

adam = checks_of("adam_step")


@pytest.fixture(scope="module")
def adam_step():
    return load_module(reference_path("adam_step"), "test_adam_step_reference").adam_step


@pytest.mark.parametrize("problem", adam.PROBLEMS, ids=lambda p: p.name.split()[0])
def test_the_reference_is_torch_optim_adam_trajectory_and_state(adam_step, problem):
    start = Run({}).make(problem.start)
    p = start.clone().requires_grad_(True)
    optimizer = torch.optim.Adam([p], lr=problem.lr, betas=problem.betas, eps=problem.eps)
    param, exp_avg, exp_avg_sq = start.clone(), torch.zeros_like(start), torch.zeros_like(start)
    for k in range(1, 201):
        p.grad = problem.gradient(p.detach())
        optimizer.step()
        param, exp_avg, exp_avg_sq = adam_step(param, problem.gradient(param), exp_avg, exp_avg_sq, k,
                                               lr=problem.lr, betas=problem.betas, eps=problem.eps)
        state = optimizer.state[p]
        assert int(state["step"]) == k
        torch.testing.assert_close(param, p.detach(), rtol=1e-10, atol=1e-12)
        torch.testing.assert_close(exp_avg, state["exp_avg"], rtol=1e-10, atol=1e-12)
        torch.testing.assert_close(exp_avg_sq, state["exp_avg_sq"], rtol=1e-10, atol=1e-12)


def test_the_catalogues_trajectory(adam_step):
    # seed-002-003 F6: torch Adam, lr 0.1, from (5.1, 2.3) on 0.2x² + 2y² − 5
    expected = [(5.0, 2.2), (4.90005652, 2.1001405), (4.80020867, 2.00052442), (4.70049659, 1.90126183),
                (4.60096132, 1.80247011)]
    param = torch.tensor([5.1, 2.3], dtype=torch.float64)
    exp_avg, exp_avg_sq = torch.zeros(2, dtype=torch.float64), torch.zeros(2, dtype=torch.float64)
    for k, point in enumerate(expected, start=1):
        param, exp_avg, exp_avg_sq = adam_step(param, adam._paraboloid(param), exp_avg, exp_avg_sq, k, lr=0.1)
        torch.testing.assert_close(param, torch.tensor(point, dtype=torch.float64), rtol=0, atol=1e-8)


def _failed(mutant: str) -> dict[str, str | None]:
    report = api.check("adam_step", file=mutant_path("adam_step", mutant))
    return {c.id: (c.feedback.hint if c.feedback else None) for c in report.checks if c.status is not Status.PASSED}


def test_an_in_place_step_loses_only_the_inputs_point():
    # the trajectory probe records copies: a step that changes its arguments must not spoil what was recorded
    assert _failed("inplace_update") == {"inputs_unchanged": "hint.adam_step.inplace"}


@pytest.mark.parametrize("mutant,hint", [
    ("no_bias_correction", "hint.adam_step.param"),
    ("momentum_buffer", "hint.adam_step.exp_avg"),
    ("bias_corrected_state", "hint.adam_step.exp_avg"),
])
def test_the_one_step_hint_names_the_part_that_differs(mutant, hint):
    assert _failed(mutant)["one_step"] == hint
