"""train_loop: the four-step training loop (Neuromatch W1D2 Coding Exercise 3.1, 最短コース ch. 5).

`train(features, labels, model, loss_fun, optimizer, n_epochs) -> list[float]`: each epoch zero
the grads, predict, `loss_fun(predictions, labels)`, backward, step; record `loss.item()`.

The probe builds everything the call gets, fresh for each check, the same on both sides:

* a small seeded MLP and data of its own (nothing like any global the submission defines);
* SGD with momentum at hyper-parameters other than the notebook's (lr 0.003, momentum 0.9), whose
  momentum buffers are pre-warmed by one step on other data, so that a new optimizer built inside
  `train`, even with the same settings, takes different steps. The gradients are cleared after
  that step, so that zeroing them at the end of each epoch instead of the start is equivalent;
* an asymmetric loss, mean((p - t)²) + 0.1·mean(p), so that swapped arguments show.

Training is float32 on both sides (`reference="native"`): a correct loop does the same float32
operations in the same order as the reference, so the tolerances are tight.

The judges compare as usual and then pick the hint from the pattern of the difference: the first
loss already wrong (the loss call, its arguments, the data), constant losses (no update: step
without (), zero_grad between backward and step, no backward), the first update wrong (another
optimizer, two steps), later updates wrong (gradients accumulating), the losses shifted by one
epoch (recorded after the step); the model unchanged, or the model changed while the optimizer
given took no step (a new optimizer inside train).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from grader import keys
from grader.compare import Comparison, Mismatch, close, compare_observations
from grader.probes import Run
from grader.sandbox.protocol import Observed
from grader.spec import Check, Exercise, Tolerance, rand, uniform

N_EPOCHS = 15
SHORT = 4  # a second, shorter run: the loop must run n_epochs times, not a hard-coded number
LR, MOMENTUM = 0.05, 0.6
TOLERANCE = Tolerance(rtol=1e-5, atol=1e-6)
MODEL_SEED = 2024
SHOWN = 6  # losses shown in a message
CALLABLES = ("builtin_function_or_method", "method")  # `loss.item` appended without calling it


def _call(n_epochs: int) -> str:
    """The key of train(features, labels, model, loss_fun, optimizer, n_epochs)."""
    return keys.call("train_loop.call.train", n_epochs=n_epochs)


TRAINED = _call(N_EPOCHS)
LOSSES = keys.call("train_loop.call.losses", of=TRAINED)  # what train returned
PARAMETERS = keys.after("model.parameters()", of=TRAINED)
BUFFERS = keys.call("train_loop.call.momentum", of=TRAINED)  # the optimizer's momentum buffers after it


class AsymmetricLoss(nn.Module):
    """mean((input - target)²) + 0.1·mean(input): not symmetric in its two arguments."""

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:  # noqa: A002 - as nn.MSELoss
        return ((input - target) ** 2).mean() + 0.1 * input.mean()


def _setup(run: Run) -> tuple[torch.Tensor, torch.Tensor, nn.Module, nn.Module, torch.optim.Optimizer]:
    torch.manual_seed(MODEL_SEED)
    model = run.cast(nn.Sequential(nn.Linear(1, 16), nn.Tanh(), nn.Linear(16, 1)))
    features = run.make(uniform(24, 1, low=-2.0, high=2.0, seed=61))
    labels = torch.sin(2 * features) + 0.2 * run.make(rand(24, 1, seed=62))
    loss_fun = AsymmetricLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    # Pre-warm the momentum buffers with one step on other data; leave the gradients clear.
    warm_x = run.make(uniform(8, 1, low=-2.0, high=2.0, seed=63))
    warm_y = run.make(rand(8, 1, seed=64))
    optimizer.zero_grad()
    ((model(warm_x) - warm_y) ** 2).mean().backward()
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    return features, labels, model, loss_fun, optimizer


def _momentum(model: nn.Module, optimizer: torch.optim.Optimizer) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, p in model.named_parameters():
        buffer = optimizer.state.get(p, {}).get("momentum_buffer")
        out[name] = None if buffer is None else buffer.detach().clone()
    return out


def _params(model: nn.Module) -> dict[str, torch.Tensor]:
    return {name: p.detach().clone() for name, p in model.named_parameters()}


def _train(run: Run, n_epochs: int) -> dict[str, Any]:
    """One call of the student's train on a fresh setup, and everything it left behind."""
    train = run.get("train")
    features, labels, model, loss_fun, optimizer = _setup(run)
    params_before, momentum_before = _params(model), _momentum(model, optimizer)
    losses = run.call(train, features, labels, model, loss_fun, optimizer, n_epochs)
    params_after, momentum_after = _params(model), _momentum(model, optimizer)
    return {
        "losses": losses,
        "parameters": params_after,
        "momentum": momentum_after,
        "parameters changed": any(not torch.equal(params_before[k], params_after[k]) for k in params_after),
        "momentum changed": any(
            (momentum_before[k] is None) != (momentum_after[k] is None)
            or (momentum_after[k] is not None and not torch.equal(momentum_before[k], momentum_after[k]))
            for k in momentum_after
        ),
    }


def _returned(run: Run) -> dict[str, Any]:
    return {_call(n): _train(run, n)["losses"] for n in (N_EPOCHS, SHORT)}


def _trajectory(run: Run) -> dict[str, Any]:
    facts = _train(run, N_EPOCHS)
    return {
        LOSSES: facts["losses"],
        PARAMETERS: facts["parameters"],
        BUFFERS: facts["momentum"],
        "parameters changed": facts["parameters changed"],
        "momentum changed": facts["momentum changed"],
    }


# -- judges: the default comparison, with the hint that the pattern of the difference points to --

def _judge_returned(native: dict[str, Observed], exact: dict[str, Observed], got: dict[str, Observed],
                    tolerance: Tolerance) -> Comparison:
    result = compare_observations(native, exact, got, tolerance, values=False)
    mismatch = result.mismatch
    if mismatch is None:
        return result
    kind, facts = mismatch.summary
    if kind == "wrong_type" and facts.get("expected") == "float" and facts.get("got") in CALLABLES:
        mismatch.hint = "hint.train_loop.item_call"
    elif kind == "wrong_type" and facts.get("expected") == "float":
        mismatch.hint = "hint.train_loop.item"
    elif kind == "wrong_length":
        mismatch.hint = "hint.train_loop.one_per_epoch"
    elif kind == "wrong_type" and mismatch.hint is None:
        mismatch.hint = "hint.train_loop.list"
    return result


def _floats(obs: Observed | None) -> list[float] | None:
    if obs is None or not isinstance(obs.value, list):
        return None
    items = [o.value for o in obs.value]
    return [float(v) for v in items] if all(type(v) in (float, int) for v in items) else None


def _loss_hint(native: dict[str, Observed], got: dict[str, Observed], key: str, tolerance: Tolerance) -> str | None:
    """Which step of the loop the recorded losses point to."""
    expected, recorded = _floats(native.get(key)), _floats(got.get(key))
    if expected is None or recorded is None or len(expected) != len(recorded) or not recorded:
        return None
    same = [close(g, e, tolerance) for g, e in zip(recorded, expected)]
    if all(same):
        return None
    first = same.index(False)
    if len(recorded) > 2 and all(close(g, e, tolerance) for g, e in zip(recorded[:-1], expected[1:])):
        return "hint.train_loop.after_step"
    if first == 0:
        return "hint.train_loop.first_loss"
    if len(set(recorded)) == 1:
        return "hint.train_loop.no_update"
    if first == 1:
        return "hint.train_loop.first_step"
    return "hint.train_loop.accumulate"


def _shown(values: list[float]) -> str:
    head = ", ".join(f"{v:.6g}" for v in values[:SHOWN])
    return f"[{head}{', …' if len(values) > SHOWN else ''}]"


def _judge_losses(native: dict[str, Observed], exact: dict[str, Observed], got: dict[str, Observed],
                  tolerance: Tolerance) -> Comparison:
    key = LOSSES
    result = compare_observations(native, exact, got, tolerance, only=[key])
    mismatch = result.mismatch
    if mismatch is None:
        return result
    expected, recorded = _floats(native[key]), _floats(got.get(key))
    if mismatch.summary[0] == "values_differ" and expected is not None and recorded is not None:
        path = str(mismatch.summary[1].get("path", ""))
        epoch = int(path[path.rindex("[") + 1:-1]) if path.endswith("]") else 0
        mismatch = Mismatch(
            summary=("train_loop.loss_differs", {"epoch": epoch}),
            expected=("plain", {"text": _shown(expected)}),
            got=("plain", {"text": _shown(recorded)}),
            where=("train_loop.loss_where", {"epoch": epoch, "expected": f"{expected[epoch]:.7g}",
                                             "got": f"{recorded[epoch]:.7g}"}),
        )
    mismatch.hint = _loss_hint(native, got, key, tolerance) or mismatch.hint
    return Comparison(mismatch, result.margin, called=key)


def _fact(got: dict[str, Observed], key: str) -> bool | None:
    obs = got.get(key)
    return obs.value if obs is not None and type(obs.value) is bool else None


def _judge_parameters(native: dict[str, Observed], exact: dict[str, Observed], got: dict[str, Observed],
                      tolerance: Tolerance) -> Comparison:
    result = compare_observations(native, exact, got, tolerance, only=[PARAMETERS])
    if result.mismatch is not None:
        if _fact(got, "parameters changed") is False:
            result.mismatch.hint = "hint.train_loop.model_unchanged"
        else:
            result.mismatch.hint = _loss_hint(native, got, LOSSES, tolerance) or "hint.train_loop.parameters"
    return result


def _judge_optimizer(native: dict[str, Observed], exact: dict[str, Observed], got: dict[str, Observed],
                     tolerance: Tolerance) -> Comparison:
    result = compare_observations(native, exact, got, tolerance, only=[BUFFERS])
    if result.mismatch is not None:
        if _fact(got, "momentum changed") is False and _fact(got, "parameters changed") is True:
            result.mismatch.hint = "hint.train_loop.new_optimizer"
        elif _fact(got, "momentum changed") is False:
            result.mismatch.hint = "hint.train_loop.no_update"
        else:
            result.mismatch.hint = _loss_hint(native, got, LOSSES, tolerance) or "hint.train_loop.parameters"
    return result


EXERCISE = Exercise(
    name="train_loop",
    source="Neuromatch W1D2 Tutorial 1, Coding Exercise 3.1; 最短コース ch. 5",
    entry=("train",),
    checks=(
        Check(id="returns", points=1, probe=_returned, values=False,
              judge=_judge_returned, reference="native"),
        Check(id="losses", points=1, probe=_trajectory, needs=("returns",),
              judge=_judge_losses, reference="native", tolerance=TOLERANCE),
        Check(id="parameters", points=1, probe=_trajectory,
              judge=_judge_parameters, reference="native", tolerance=TOLERANCE),
        Check(id="optimizer", points=1, probe=_trajectory,
              judge=_judge_optimizer, reference="native", tolerance=TOLERANCE),
    ),
)
