"""legendre_function: a custom `torch.autograd.Function`, P3(x) = 0.5(5x³ − 3x), with its own backward (the PyTorch
tutorial "Defining new autograd Functions"; catalogue autograders-and-formats §7.2, gradcheck for custom Functions).

* `forward`: `LegendrePolynomial3.apply(x)` against the reference, float32 and float64.
* `function`: the result's grad_fn is the Function's own node (`LegendrePolynomial3Backward`): the gradient comes
  from the student's backward, not from autograd recording torch operations.
* `gradcheck`: what `torch.autograd.gradcheck` checks, split so that the grade is decided in the grader: the worker
  computes, in float64, the analytical Jacobian (one `torch.autograd.grad` per output element, through the student's
  backward) and the numerical one (central differences of the student's forward, step 1e-6), and returns both as
  tensors; the judge compares them with gradcheck's rule |analytical − numerical| ≤ 1e-5 + 1e-3·|numerical|. It
  holds the backward to the student's own forward; `forward` holds that forward to P3, and the judge also holds
  the returned finite differences to the reference's (a pair built to agree, not measured, does not pass).
* `gradients`: the gradient a random cotangent sends back through a float32 input, against the reference's.
"""

from __future__ import annotations

from typing import Any

import torch

from grader import keys
from grader.compare import Comparison, Mismatch, compare
from grader.probes import Run, backward, grad_of
from grader.sandbox.protocol import Observed
from grader.spec import Check, Exercise, Tolerance, rand, uniform

ENTRY = "LegendrePolynomial3"
NAME = "legendre_function"
GRADCHECK = Tolerance(rtol=1e-3, atol=1e-5)  # torch.autograd.gradcheck's defaults
STEP = 1e-6  # gradcheck's eps: the finite-difference step
NODE = f"{ENTRY}Backward"  # the grad_fn of a Function's output: the class name + "Backward"


def _apply(run: Run, x: torch.Tensor) -> Any:
    function = run.get(ENTRY)
    return run.call(function.apply, x)


def _forward(run: Run) -> dict[str, Any]:
    out = {}
    for spec in (uniform(7, low=-1.2, high=1.2, seed=1), rand(2, 3, seed=2), rand(4, seed=3, dtype="float64")):
        x = run.make(spec)
        out[keys.call(f"{NAME}.call", shape=keys.shapes(x))] = _apply(run, x)
    return out


def _function(run: Run) -> dict[str, Any]:
    x = run.make(rand(5, seed=4)).requires_grad_(True)
    result = _apply(run, x)
    grad_fn = getattr(result, "grad_fn", None) if isinstance(result, torch.Tensor) else None
    return {keys.call(f"{NAME}.call.node", shape=keys.shapes(x)): None if grad_fn is None else type(grad_fn).__name__}


def _gradcheck(run: Run) -> dict[str, Any]:
    """The analytical and the numerical Jacobian of the student's Function at a float64 point, as data."""
    x = run.make(uniform(6, low=-1.5, high=1.5, seed=5, dtype="float64")).detach()
    n = x.numel()
    rows: list[torch.Tensor] = []
    for i in range(n):
        leaf = x.clone().requires_grad_(True)
        result = _apply(run, leaf)
        if not isinstance(result, torch.Tensor) or result.shape != x.shape or result.grad_fn is None:
            return {"analytical": None, "numerical": None}
        cotangent = torch.zeros_like(result)
        cotangent.view(-1)[i] = 1.0
        # The same row as torch.autograd.grad(result, leaf, cotangent), without its grad_outputs path, which
        # imports torch.fx.experimental.symbolic_shapes (over a second) in the worker.
        (grad,) = torch.autograd.grad((result * cotangent).sum(), leaf, allow_unused=True)
        if grad is None or grad.shape != x.shape:
            return {"analytical": grad, "numerical": None}
        rows.append(grad.detach().reshape(-1).clone())
    columns: list[torch.Tensor] = []
    with torch.no_grad():
        for j in range(n):
            shift = torch.zeros_like(x)
            shift.view(-1)[j] = STEP
            plus, minus = _apply(run, x + shift), _apply(run, x - shift)
            columns.append(((plus - minus) / (2 * STEP)).reshape(-1))
    return {"analytical": torch.stack(rows), "numerical": torch.stack(columns, dim=1)}


def _judge_gradcheck(native: dict[str, Observed], exact: dict[str, Observed], got: dict[str, Observed],
                     tolerance: Tolerance) -> Comparison:
    called = keys.call(f"{NAME}.call.jacobian", shape=[list(native["analytical"].value.shape[:1])])
    analytical, numerical = got.get("analytical"), got.get("numerical")
    if analytical is None or numerical is None:
        return Comparison(Mismatch(summary=("not_observed", {"what": called})), called=called)
    if not analytical.is_tensor:  # no gradient came back from backward (or the result had no graph)
        return Comparison(Mismatch(summary=("no_gradient", {"name": "x"}), hint=f"hint.{NAME}.no_gradient"),
                          called=called)
    for observed in (analytical, numerical):  # both (n, n), float64, as the reference's
        shape = compare(native["analytical"], native["analytical"], observed, tolerance, values=False)
        if shape.mismatch is not None:
            shape.called = called
            return shape
    # The finite differences of a forward that passed `forward` are the reference's: a pair of Jacobians that
    # agree with each other but not with P3' (built rather than measured) does not pass.
    measured = compare(native["numerical"], native["numerical"], numerical, tolerance)
    if measured.mismatch is not None:
        measured.mismatch.hint = f"hint.{NAME}.forward"
        measured.called = keys.call(f"{NAME}.call.differences", shape=[list(numerical.value.shape[:1])])
        return measured
    result = compare(numerical, numerical, analytical, tolerance)
    if result.mismatch is not None:
        a, n = analytical.value, numerical.value
        off_diagonal = a - torch.diag(torch.diagonal(a))
        atol = tolerance.atol if tolerance.atol is not None else 0.0
        diagonal = bool((n - torch.diag(torch.diagonal(n))).abs().max() <= atol)  # P3 is elementwise
        chain = diagonal and bool(off_diagonal.abs().max() > atol)
        result.mismatch.summary = (f"{NAME}.jacobian_mismatch", result.mismatch.summary[1])
        result.mismatch.hint = f"hint.{NAME}.chain_rule" if chain else f"hint.{NAME}.derivative"
    result.called = called
    return result


def _gradients(run: Run) -> dict[str, Any]:
    x = run.make(rand(2, 3, seed=6)).requires_grad_(True)
    called = keys.call(f"{NAME}.call", shape=keys.shapes(x))
    result = _apply(run, x)
    out = {called: result}
    if backward(result):
        out[keys.gradient("x", of=called)] = grad_of(x)
    return out


EXERCISE = Exercise(
    name=NAME,
    source="PyTorch tutorial, Learning PyTorch with Examples: Defining new autograd Functions",
    entry=(ENTRY,),
    checks=(
        Check(id="forward", points=1, probe=_forward, hint="forward"),
        Check(id="function", points=1, probe=_function, needs=("forward",), hint="function"),
        Check(id="gradcheck", points=2, probe=_gradcheck, needs=("function",), judge=_judge_gradcheck,
              reference="native", tolerance=GRADCHECK),
        Check(id="gradients", points=1, probe=_gradients, needs=("function",), hint="derivative"),
    ),
)
