"""rosenbrock: minimising the Rosenbrock function with autograd (Keydana ch. 5, C1–C2 of seed-002-003).

`rosenbrock(x, a=1.0, b=5.0)`: (a - x1)² + b·(x2 - x1²)², a 0-d tensor that keeps the graph.
`minimize_rosenbrock(x0, lr, num_iterations) -> (x, values)`: gradient descent by hand on a float32
leaf; `values[i]` is rosenbrock(x) before update i.

* `values`, `parameters`, `gradient`: the catalogue's test points (f(−1, 1) = 4, ∇ = (−4, 0); f(2, 3) = 6,
  ∇ = (42, −10); ...), a float64 point, and other constants a and b (the book's code reads global a
  and b; here they are arguments). Compared with the reference run in float64.
* `returns`: a short run: a tuple of a float32 tensor of shape [2] and a list of num_iterations floats.
* `trajectory`: the book's run, from (−1, 1) with lr 0.01 for 1000 iterations: the value before every
  update and the last x (the book's log: values[99] = 0.3502924, last x = (0.99182177, 0.9830476)).
* `other_run`: from (2, 3) given as ints, lr 0.002, 50 iterations: the starting point, the learning
  rate and the count are the arguments', and x0 given as ints must still give a float leaf.

Both runs are compared in float32 (`reference="native"`): the student's loop makes x float32, as the
reference does. A hand-written `x.sub_(lr * x.grad)` and torch.optim.SGD's `add_(grad, alpha=-lr)`
differ by an ulp now and then: over 1000 iterations the values differ by at most 7.4e-5 relative
(where the values are ~1e-4) and x by 6e-7, hence TRAJECTORY's tolerance. The typical mistakes are far
off: without zeroing the gradients, x ends near (−0.757, 0.268) with f ≈ 3.55.
"""

from __future__ import annotations

from typing import Any

import torch

from grader import keys
from grader.compare import Comparison, Mismatch, close, compare, compare_observations
from grader.probes import Run, backward, grad_of
from grader.sandbox.protocol import Observed
from grader.spec import Check, Exercise, TensorSpec, Tolerance, const

# The catalogue's test points (seed-002-003 C1), and one in float64.
POINTS: list[TensorSpec] = [const([x1, x2]) for x1, x2 in ((-1.0, 1.0), (0.0, 0.0), (2.0, 3.0), (0.5, 0.5), (1.0, 1.0))]
POINTS.append(const([0.3, -0.7], dtype="float64"))
CONSTANTS = ((2.0, 10.0), (0.5, 100.0))  # (a, b) other than the defaults (1, 5)
GRADIENT_POINTS = [const([-1.0, 1.0]), const([2.0, 3.0]), const([0.5, 0.5]), const([1.5, -0.5], dtype="float64")]

SHORT = ((-1.0, 1.0), 0.01, 5)
BOOK = ((-1.0, 1.0), 0.01, 1000)  # the book's run
OTHER = ((2, 3), 0.002, 50)  # x0 as ints (a float leaf must be made from them), another lr and count
TRAJECTORY = Tolerance(rtol=1e-4, atol=1e-6)
SHOWN = 6  # values shown in a message
VALUES = "rosenbrock.call.values"  # "the values returned by {of}"


def _x(x: Any) -> str:
    return str([float(v) for v in x.tolist()])


def _dtype(x: Any) -> str:
    return str(x.dtype).removeprefix("torch.")


def _values(run: Run) -> dict[str, Any]:
    rosenbrock = run.get("rosenbrock")
    out = {}
    for spec in POINTS:
        x = run.make(spec)
        out[keys.call("rosenbrock.call.value", x=_x(x), dtype=spec.dtype)] = run.call(rosenbrock, x)
    return out


def _with_constants(run: Run) -> dict[str, Any]:
    rosenbrock = run.get("rosenbrock")
    out = {}
    for a, b in CONSTANTS:
        for spec in POINTS[:3]:
            x = run.make(spec)
            called = keys.call("rosenbrock.call.value_ab", x=_x(x), a=a, b=b)
            out[called] = run.call(rosenbrock, x, a=a, b=b)
    return out


def _gradients(run: Run) -> dict[str, Any]:
    rosenbrock = run.get("rosenbrock")
    out: dict[str, Any] = {}
    for spec in GRADIENT_POINTS:
        x = run.make(spec).requires_grad_(True)
        called = keys.call("rosenbrock.call.value", x=_x(x), dtype=spec.dtype)
        result = run.call(rosenbrock, x)
        out[called] = result
        if backward(result):
            out[keys.gradient("x", of=called)] = grad_of(x)
    return out


def _minimize_call(x0: tuple[float, float], lr: float, n: int) -> str:
    return keys.call("rosenbrock.call.minimize", x0=x0, lr=lr, n=n)


def _returns(run: Run) -> dict[str, Any]:
    x0, lr, n = SHORT
    return {_minimize_call(x0, lr, n): run.call(run.get("minimize_rosenbrock"), x0, lr, n)}


def _run(run: Run, x0: tuple[float, float], lr: float, n: int) -> dict[str, Any]:
    """One run, as two observations: the values recorded, and the last x."""
    called = _minimize_call(x0, lr, n)
    # Not recorded: recording every torch call of 1000 iterations would cost more than the run itself (0.25 s
    # instead of 0.1), and no check here asks which torch functions ran.
    result = run.call(run.get("minimize_rosenbrock"), x0, lr, n, record=False)
    if not (isinstance(result, (tuple, list)) and len(result) == 2):
        return {called: result}  # not what `returns` passed; compared as it is
    x, values = result
    return {keys.call(VALUES, of=called): values, keys.call("rosenbrock.call.x", of=called): x}


def _trajectory(run: Run) -> dict[str, Any]:
    return _run(run, *BOOK)


def _other_run(run: Run) -> dict[str, Any]:
    return _run(run, *OTHER)


# -- judge: the default comparison, with the hint that the pattern of the values points to --

def _floats(obs: Observed | None) -> list[float] | None:
    if obs is None or not isinstance(obs.value, list):
        return None
    items = [o.value for o in obs.value]
    return [float(v) for v in items] if all(type(v) in (float, int) for v in items) else None


def values_hint(expected: list[float], recorded: list[float], tolerance: Tolerance) -> str | None:
    """Which part of the loop the recorded values point to (None when they match)."""
    if len(expected) != len(recorded):
        return "hint.rosenbrock.count"
    same = [close(g, e, tolerance) for g, e in zip(recorded, expected)]
    if all(same):
        return None
    if len(recorded) > 2 and all(close(g, e, tolerance) for g, e in zip(recorded[:-1], expected[1:])):
        return "hint.rosenbrock.after_update"
    first = same.index(False)
    if first == 0:
        return "hint.rosenbrock.start"
    if first == 1:
        return "hint.rosenbrock.first_update"
    return "hint.rosenbrock.accumulate"


def _shown(values: list[float]) -> str:
    head = ", ".join(f"{v:.7g}" for v in values[:SHOWN])
    return f"[{head}{', …' if len(values) > SHOWN else ''}]"


def _value_differs(i: int, want: list[float], have: list[float], hint: str | None) -> Mismatch:
    """The first iteration whose value differs, and the values from iteration 0 (not "1 / 1 elements")."""
    return Mismatch(
        summary=("rosenbrock.value_differs", {"iteration": i}),
        expected=("plain", {"text": _shown(want)}),
        got=("plain", {"text": _shown(have)}),
        where=("rosenbrock.value_where", {"iteration": i, "expected": f"{want[i]:.7g}", "got": f"{have[i]:.7g}"}),
        hint=hint,
    )


def _as_tensor(values: list[float]) -> Observed:
    return Observed(type="torch.Tensor", value=torch.tensor(values, dtype=torch.float32))


def _compare_values(expected: list[float], recorded: list[float], tolerance: Tolerance) -> Comparison:
    """Two lists of as many numbers, compared as one float32 tensor each: the same verdict as comparing them
    number by number (each was a float32 .item()), at a hundredth of the cost for 1000 of them."""
    result = compare(_as_tensor(expected), _as_tensor(expected), _as_tensor(recorded), tolerance)
    if result.mismatch is not None and result.mismatch.where is not None:
        (largest,) = result.mismatch.where[1]["index"]  # compare names the largest difference; we say the first
        first = next((i for i, (g, e) in enumerate(zip(recorded, expected)) if not close(g, e, tolerance)), largest)
        result.mismatch = _value_differs(first, expected, recorded, result.mismatch.hint)
    return result


def _judge_run(native: dict[str, Observed], exact: dict[str, Observed], got: dict[str, Observed],
               tolerance: Tolerance) -> Comparison:
    values = next((k for k in native if (keys.parse(k) or ("",))[0] == VALUES), None)
    want = _floats(native.get(values)) if values else None
    have = _floats(got.get(values)) if values else None
    margin = 0.0
    for key in native:
        if key == values and want is not None and have is not None and len(want) == len(have):
            result = _compare_values(want, have, tolerance)
        else:
            result = compare_observations(native, exact, got, tolerance, only=[key])
        if result.mismatch is not None:
            if result.mismatch.hint is None and result.mismatch.summary[0] != "not_observed":
                hint = values_hint(want, have, tolerance) if want is not None and have is not None else None
                result.mismatch.hint = hint or "hint.rosenbrock.update"
            return Comparison(result.mismatch, result.margin, called=key)
        margin = max(margin, result.margin)
    return Comparison(margin=margin)


EXERCISE = Exercise(
    name="rosenbrock",
    source="Keydana, Deep Learning and Scientific Computing with R torch, ch. 5 (Rosenbrock), ported to PyTorch",
    entry=("rosenbrock", "minimize_rosenbrock"),
    checks=(
        Check(id="values", points=1, probe=_values, hint="formula"),
        Check(id="parameters", points=1, probe=_with_constants, needs=("values",), hint="constants"),
        Check(id="gradient", points=1, probe=_gradients, needs=("values",)),
        Check(id="returns", points=1, probe=_returns, needs=("values", "gradient"), values=False,
              reference="native", hint="returns"),
        Check(id="trajectory", points=1, probe=_trajectory, needs=("returns",), reference="native",
              tolerance=TRAJECTORY, judge=_judge_run),
        Check(id="other_run", points=1, probe=_other_run, needs=("returns",), reference="native",
              tolerance=TRAJECTORY, judge=_judge_run),
    ),
)
