"""basic_optim: fastbook's BasicOptim(params, lr) with step() and zero_grad() (seed-000-004 E30).

`BasicOptim(params, lr)` keeps `list(params)`; `step()` does p ← p - lr·p.grad outside the graph;
`zero_grad()` sets every p.grad to None (or zeros), also before any backward. It is torch.optim.SGD
without momentum: the reference equals SGD step by step (tests/test_bank_basic_optim.py), so the
expected values here are SGD's.

The probes build fastbook's setting, small: a seeded nn.Linear(20, 1) (or fastbook's hand-made
[weights, bias]), `mnist_loss` (sigmoid, then 1 - p for the 3s and p for the 7s), batches of 8.

* `step`: one backward and one step, from `model.parameters()` (a generator) with lr 0.1, and from
  a list [weights, bias] with lr 0.5 (not fastbook's global lr = 1.0): the parameters after it.
* `zero_grad`: zero_grad() on a new optimizer (before any backward, when every grad is None), then a
  backward and zero_grad(): is every parameter's grad None or zero?
* `steps`: fastbook's loop over four batches (backward, step, zero_grad) on an optimizer built from
  `model.parameters()`: the parameters after every step. A generator kept without list() is used up
  by the first step, so the second does nothing; gradients never reset add up from step 2 on.

Compared with the reference run in float64 at float32's tolerance.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from grader import keys
from grader.compare import Comparison, compare_observations
from grader.probes import Run
from grader.sandbox.protocol import Observed
from grader.spec import Check, Exercise, TensorSpec, Tolerance, labels, rand

N_IN, BATCH, N_STEPS = 20, 8, 4
MODEL_SEED = 4
LR, LIST_LR = 0.1, 0.5  # fastbook's global lr is 1.0: a BasicOptim that reads it shows
TOLERANCE = Tolerance()  # float32's, against the float64 run
AFTER = "basic_optim.call.after"  # "the parameters after step {step} of ..."


def mnist_loss(predictions: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """fastbook's loss: how far the sigmoid of each prediction is from its target (1 = a 3, 0 = a 7)."""
    predictions = predictions.sigmoid()
    return torch.where(targets == 1, 1 - predictions, predictions).mean()


def _model(run: Run) -> nn.Module:
    torch.manual_seed(MODEL_SEED)
    return run.cast(nn.Linear(N_IN, 1))


def _batch(run: Run, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    x: TensorSpec = rand(BATCH, N_IN, seed=100 + k)
    return run.make(x), run.make(labels(BATCH, 1, seed=200 + k))


def _params(named: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {name: p.detach().clone() for name, p in named.items()}


def _step(run: Run) -> dict[str, Any]:
    optim = run.get("BasicOptim")
    out = {}
    model = _model(run)
    opt = run.call(optim, model.parameters(), LR)
    xb, yb = _batch(run, 0)
    mnist_loss(model(xb), yb).backward()
    run.call(opt.step)
    out[keys.call("basic_optim.call.step", params="model.parameters()", lr=LR)] = _params(dict(model.named_parameters()))

    weights = run.make(rand(N_IN, 1, seed=7)).requires_grad_(True)  # fastbook's init_params((28*28, 1))
    bias = run.make(rand(1, seed=8)).requires_grad_(True)
    opt = run.call(optim, [weights, bias], LIST_LR)
    xb, yb = _batch(run, 1)
    mnist_loss(xb @ weights + bias, yb).backward()
    run.call(opt.step)
    out[keys.call("basic_optim.call.step", params="[weights, bias]", lr=LIST_LR)] = _params(
        {"weights": weights, "bias": bias})
    return out


def _cleared(p: torch.Tensor) -> bool:
    return p.grad is None or bool((p.grad == 0).all())


def _zero_grad(run: Run) -> dict[str, Any]:
    model = _model(run)
    opt = run.call(run.get("BasicOptim"), model.parameters(), LR)
    run.call(opt.zero_grad)  # before any backward: every grad is None
    xb, yb = _batch(run, 0)
    mnist_loss(model(xb), yb).backward()
    run.call(opt.zero_grad)
    return {keys.call("basic_optim.call.cleared", name=name): _cleared(p) for name, p in model.named_parameters()}


def _steps(run: Run) -> dict[str, Any]:
    model = _model(run)
    opt = run.call(run.get("BasicOptim"), model.parameters(), LR)
    out = {}
    for k in range(N_STEPS):
        xb, yb = _batch(run, k)
        mnist_loss(model(xb), yb).backward()
        run.call(opt.step)
        run.call(opt.zero_grad)
        out[keys.call(AFTER, step=k + 1, lr=LR)] = _params(dict(model.named_parameters()))
    return out


def _same(a: Observed | None, b: Observed | None) -> bool:
    """Whether the student's parameters did not move from one step to the next."""
    if a is None or b is None or not isinstance(a.value, dict) or not isinstance(b.value, dict):
        return False
    if set(a.value) != set(b.value):
        return False
    return all(x.is_tensor and y.is_tensor and x.value.shape == y.value.shape and torch.equal(x.value, y.value)
               for x, y in ((a.value[k], b.value[k]) for k in a.value))


def _judge_steps(native: dict[str, Observed], exact: dict[str, Observed], got: dict[str, Observed],
                 tolerance: Tolerance) -> Comparison:
    margin, previous = 0.0, None
    for step, key in enumerate(native, start=1):
        result = compare_observations(native, exact, got, tolerance, only=[key])
        if result.mismatch is not None:
            observed = got.get(key)
            if result.mismatch.hint is None and observed is not None:
                if step == 1:
                    result.mismatch.hint = "hint.basic_optim.step"
                elif _same(got.get(previous) if previous else None, observed):
                    result.mismatch.hint = "hint.basic_optim.generator"
                else:
                    result.mismatch.hint = "hint.basic_optim.reset"
            return Comparison(result.mismatch, margin, called=key)
        margin, previous = max(margin, result.margin), key
    return Comparison(margin=margin)


EXERCISE = Exercise(
    name="basic_optim",
    source="fastbook ch. 4 (MNIST basics), Creating an Optimizer: BasicOptim",
    entry=("BasicOptim",),
    checks=(
        Check(id="step", points=1, probe=_step, hint="step"),
        Check(id="zero_grad", points=1, probe=_zero_grad, hint="zero_grad", hint_on_raise=True),
        Check(id="steps", points=1, probe=_steps, needs=("step",), tolerance=TOLERANCE, judge=_judge_steps),
    ),
)
