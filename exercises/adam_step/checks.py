"""adam_step: one step of Adam in torch.optim.Adam's convention (Keydana ch. 8; catalogue seed-002-003 F6, F7).

`adam_step(param, grad, exp_avg, exp_avg_sq, step, lr, betas, eps) -> (param, exp_avg, exp_avg_sq)`, with bias
correction, eps outside the square root, `step` counted from 1, and the raw moments as the state (the convention
is fixed in the stub's docstring). The reference equals torch.optim.Adam's trajectory and state (to ~1e-13 over
200 steps in float64: tests/test_bank_adam_step.py), so comparing with the reference is comparing with torch.

* `returns`, `one_step`: single calls, from zero moments at step 1 (the catalogue's paraboloid point, where the
  first step is lr·sign(grad); random float32 tensors with the defaults; tiny gradients with a large eps, where
  the place of eps shows) and from a given state at step 7.
* `trajectory`, `state`: 25 steps on the book's anisotropic paraboloid f = 0.2x² + 2y² − 5 from (5.1, 2.3) and
  on its Rosenbrock function (a = 1, b = 5) from (−1, 1) with other hyper-parameters, in float64. The probe
  computes each gradient at the parameters the student's step returned, and hands back the moments it
  returned: the parameters after each step, and the moments after each step, are compared with the reference's.
* `inputs_unchanged`: the arguments are left as they were (the step returns new tensors).

The judges compare as usual and pick the hint from which part of the returned tuple differs first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from grader import keys
from grader.compare import Comparison, compare, compare_observations
from grader.probes import Run
from grader.sandbox.protocol import Observed
from grader.spec import Check, Exercise, Tolerance, TensorSpec, const, rand

ENTRY = "adam_step"
TRAJECTORY = Tolerance(rtol=1e-9, atol=1e-12)  # float64, 25 steps: correct formulations differ by ~1e-13
PARTS = ("hint.adam_step.param", "hint.adam_step.exp_avg", "hint.adam_step.exp_avg_sq")  # by index in the tuple


@dataclass(frozen=True)
class Step:
    """One call: param, grad and the moments (None: zeros), the step number, the hyper-parameters (None: defaults)."""

    param: TensorSpec
    grad: TensorSpec
    step: int = 1
    exp_avg: TensorSpec | None = None
    exp_avg_sq: TensorSpec | None = None
    hyper: tuple[float, tuple[float, float], float] | None = None  # lr, betas, eps


def _positive(spec: TensorSpec) -> TensorSpec:
    return spec.model_copy(update={"dist": "uniform", "low": 0.5, "high": 2.0})


STEPS: list[Step] = [
    # the catalogue's paraboloid point: the first step is lr * sign(grad), to (5.0, 2.2)
    Step(const([5.1, 2.3], dtype="float64"), const([2.04, 9.2], dtype="float64"), hyper=(0.1, (0.9, 0.999), 1e-8)),
    Step(rand(3, 4, seed=1), rand(3, 4, seed=2)),  # float32, the defaults
    # gradients of ~1e-3 against eps 1e-6: eps inside the square root, or before the bias correction, shows
    Step(rand(5, seed=3, dtype="float64"), const([1e-3, -2e-3, 5e-4, -1e-3, 3e-3], dtype="float64"),
         hyper=(0.05, (0.8, 0.99), 1e-6)),
    # from a given state, at step 7
    Step(rand(2, 3, seed=4, dtype="float64"), rand(2, 3, seed=5, dtype="float64"), step=7,
         exp_avg=rand(2, 3, seed=6, dtype="float64"), exp_avg_sq=_positive(rand(2, 3, seed=7, dtype="float64")),
         hyper=(0.01, (0.9, 0.99), 1e-8)),
]


@dataclass(frozen=True)
class Problem:
    """A function to descend: its name (its message "call.<name>" in text.toml), start, gradient and Adam's settings."""

    name: str
    start: TensorSpec
    gradient: Callable[[torch.Tensor], torch.Tensor]
    lr: float
    betas: tuple[float, float]
    eps: float
    steps: int = 25


def _paraboloid(p: torch.Tensor) -> torch.Tensor:
    return p * torch.tensor([0.4, 4.0], dtype=p.dtype)


def _rosenbrock(p: torch.Tensor, a: float = 1.0, b: float = 5.0) -> torch.Tensor:
    x, y = p[0], p[1]
    return torch.stack([-2 * (a - x) - 4 * b * x * (y - x * x), 2 * b * (y - x * x)])


PROBLEMS = [
    Problem("paraboloid", const([5.1, 2.3], dtype="float64"), _paraboloid,
            lr=0.1, betas=(0.9, 0.999), eps=1e-8),
    Problem("rosenbrock", const([-1.0, 1.0], dtype="float64"), _rosenbrock,
            lr=0.05, betas=(0.8, 0.99), eps=1e-6),
]


def _tuple(result: Any) -> Any:
    """A returned list is taken as the tuple it stands for (the same on both sides)."""
    return tuple(result) if type(result) is list else result


def _well_formed(result: Any, like: torch.Tensor) -> bool:
    return (type(result) is tuple and len(result) == 3
            and all(type(t) is torch.Tensor and t.shape == like.shape for t in result))


def _call(run: Run, case: Step) -> tuple[str, Any, list[torch.Tensor]]:
    """The key of one call, what it returned, and the arguments it was given (to look at afterwards)."""
    adam_step = run.get(ENTRY)
    param, grad = run.make(case.param), run.make(case.grad)
    exp_avg = torch.zeros_like(param) if case.exp_avg is None else run.make(case.exp_avg)
    exp_avg_sq = torch.zeros_like(param) if case.exp_avg_sq is None else run.make(case.exp_avg_sq)
    if case.hyper is None:
        called = keys.call(f"{ENTRY}.call.defaults", shape=keys.shapes(param), step=case.step)
        result = run.call(adam_step, param, grad, exp_avg, exp_avg_sq, case.step)
    else:
        lr, betas, eps = case.hyper
        called = keys.call(f"{ENTRY}.call", shape=keys.shapes(param), step=case.step, lr=lr,
                           betas=betas, eps=eps)
        result = run.call(adam_step, param, grad, exp_avg, exp_avg_sq, case.step, lr=lr, betas=betas, eps=eps)
    return called, _tuple(result), [param, grad, exp_avg, exp_avg_sq]


def _one_step(run: Run) -> dict[str, Any]:
    out = {}
    for case in STEPS:
        called, result, _ = _call(run, case)
        out[called] = result
    return out


def _descend(run: Run) -> dict[str, Any]:
    """Each problem's parameters and moments after each step, until a step returns something else than three
    tensors shaped like the parameters (then that, and no more steps). One probe for `trajectory` and `state`,
    whose judges each take their own keys, so that the worker runs the descent once."""
    adam_step = run.get(ENTRY)
    out: dict[str, Any] = {}
    for problem in PROBLEMS:
        param = run.make(problem.start)
        exp_avg, exp_avg_sq = torch.zeros_like(param), torch.zeros_like(param)
        for k in range(1, problem.steps + 1):
            facts = {"problem": keys.call(f"{ENTRY}.call.{problem.name}"), "step": k, "steps": problem.steps}
            param_key, state_key = keys.call(f"{ENTRY}.call.param", **facts), keys.call(f"{ENTRY}.call.state", **facts)
            grad = problem.gradient(param)
            result = _tuple(run.call(adam_step, param, grad, exp_avg, exp_avg_sq, k, lr=problem.lr,
                                     betas=problem.betas, eps=problem.eps, record=False))
            if not _well_formed(result, param):
                out[param_key] = out[state_key] = result
                break
            param, exp_avg, exp_avg_sq = (t.detach().clone() for t in result)
            # copies: the next call may change its arguments in place (inputs_unchanged's business, not this check's)
            out[param_key] = param.clone()
            out[state_key] = (exp_avg.clone(), exp_avg_sq.clone())
    return out


def _inputs_after(run: Run) -> dict[str, Any]:
    called, _, arguments = _call(run, STEPS[-1])
    names = ("param", "grad", "exp_avg", "exp_avg_sq")
    return {keys.call(f"{ENTRY}.call.after", name=name, of=called): t for name, t in zip(names, arguments)}


def _part_hint(native: Observed, exact: Observed, got: Observed, tolerance: Tolerance, state: bool) -> str:
    """The hint for the part of the result that is wrong: a moment if either differs (the parameters follow
    from them), else the update of the parameters."""
    first = 0 if state else 1  # where the moments are in what was compared: (exp_avg, exp_avg_sq) or the tuple
    for index in (first, first + 1):
        parts = (native.value, exact.value if isinstance(exact.value, list) else native.value, got.value)
        if all(isinstance(p, list) and len(p) > index for p in parts) and compare(
                parts[0][index], parts[1][index], parts[2][index], tolerance).mismatch is not None:
            return PARTS[1 + index - first]
    return PARTS[0]


def _judge(values: bool, state: bool = False, only: str | None = None) -> Any:
    """The comparison of every key in order (`only`: of the keys of that message, e.g. "call.param"), at the
    check's tolerance; the hint names the part of the result that differs first."""

    def judge(native: dict[str, Observed], exact: dict[str, Observed], got: dict[str, Observed],
              tolerance: Tolerance) -> Comparison:
        compared = [key for key in native if only is None or (keys.parse(key) or ("",))[0] == f"{ENTRY}.{only}"]
        result = compare_observations(native, exact, got, tolerance, values=values, only=compared)
        mismatch = result.mismatch
        if mismatch is None or result.called not in got:  # nothing came back to pick a hint from
            return result
        key = result.called
        expected, observed = native[key], got[key]
        kind, facts = mismatch.summary
        if kind in ("wrong_type", "wrong_length") and not facts.get("path"):
            mismatch.hint = "hint.adam_step.returns"
        elif kind == "values_differ" and (keys.parse(key) or ("", {}))[1].get("step", 1) > 1 and (
                expected.is_tensor or state):  # after step 1, on a path that another step may have set
            mismatch.hint = "hint.adam_step.later_step"
        elif kind == "values_differ" and expected.is_tensor:  # the parameters after the first step
            mismatch.hint = "hint.adam_step.update"
        elif kind == "values_differ":
            mismatch.hint = _part_hint(expected, exact.get(key, expected), observed, tolerance, state)
        return result

    return judge


EXERCISE = Exercise(
    name=ENTRY,
    source="Keydana, Deep Learning and Scientific Computing with R torch, ch. 8 (ported); torch.optim.Adam",
    entry=(ENTRY,),
    checks=(
        Check(id="returns", points=1, probe=_one_step, values=False, judge=_judge(False)),
        Check(id="one_step", points=1, probe=_one_step, needs=("returns",), judge=_judge(True)),
        Check(id="trajectory", points=1, probe=_descend, needs=("returns",), reference="native",
              tolerance=TRAJECTORY, judge=_judge(True, only="call.param")),
        Check(id="state", points=1, probe=_descend, needs=("returns",), reference="native",
              tolerance=TRAJECTORY, judge=_judge(True, state=True, only="call.state")),
        Check(id="inputs_unchanged", points=1, probe=_inputs_after, needs=("returns",), hint="inplace"),
    ),
)
