"""sq_loss: elementwise squared error (Neuromatch W1D2, Coding Exercise 2.1)."""

from __future__ import annotations

from typing import Any

from grader import keys
from grader.probes import Run, backward, grad_of
from grader.spec import Check, Exercise, TensorSpec, Tolerance, const, rand

CALL = "sq_loss(y_true, y_prediction)"  # as code (hidden.py names its call with it)
CALL_ID = "sq_loss.call.sq_loss"  # "sq_loss(y_true, y_prediction) with shapes ..."


def _called(y_true: Any, y_pred: Any) -> str:
    return keys.call(CALL_ID, shapes=keys.shapes(y_true, y_pred))

# float32 precision for every case: the float64 case checks that the dtype is kept, not the
# last bits (a correct solution may well cast the int64 target with .float()).
FLOAT32_PRECISION = Tolerance(rtol=1.3e-6, atol=1e-5)

# (y_true, y_prediction): equal shapes, broadcasting, the notebook's int64 target, float64.
CASES: list[tuple[TensorSpec, TensorSpec]] = [
    (rand(5, seed=1), rand(5, seed=2)),
    (rand(4, 1, seed=3), rand(5, seed=4)),
    (const([7], dtype="int64"), const([0.0])),
    (rand(3, seed=5, dtype="float64"), rand(3, seed=6, dtype="float64")),
]


def _results(run: Run) -> dict[str, Any]:
    sq_loss = run.get("sq_loss")
    out = {}
    for true_spec, pred_spec in CASES:
        y_true, y_pred = run.make(true_spec), run.make(pred_spec)
        out[_called(y_true, y_pred)] = run.call(sq_loss, y_true, y_pred)
    return out


def _gradients(run: Run) -> dict[str, Any]:
    sq_loss = run.get("sq_loss")
    out = {}
    for true_spec, pred_spec in [(rand(6, seed=7), rand(6, seed=8)), (const([7], dtype="int64"), const([0.0]))]:
        y_true = run.make(true_spec)
        y_pred = run.make(pred_spec).requires_grad_(True)
        if y_true.is_floating_point():
            y_true.requires_grad_(True)
        called = _called(y_true, y_pred)
        result = run.call(sq_loss, y_true, y_pred)
        out[called] = result
        if backward(result):
            out[keys.gradient("y_prediction", of=called)] = grad_of(y_pred)
            if y_true.requires_grad:
                out[keys.gradient("y_true", of=called)] = grad_of(y_true)
    return out


def _inputs_after(run: Run) -> dict[str, Any]:
    sq_loss = run.get("sq_loss")
    y_true, y_pred = run.make(rand(5, seed=9)), run.make(rand(5, seed=10))
    run.call(sq_loss, y_true, y_pred)
    called = _called(y_true, y_pred)
    return {keys.after("y_true", of=called): y_true, keys.after("y_prediction", of=called): y_pred}


EXERCISE = Exercise(
    name="sq_loss",
    source="Neuromatch W1D2 Tutorial 1, Coding Exercise 2.1",
    entry=("sq_loss",),
    checks=(
        Check(id="shape", points=1, probe=_results, values=False,
              hint="hint.sq_loss.elementwise"),
        Check(id="values", points=1, probe=_results, needs=("shape",),
              tolerance=FLOAT32_PRECISION, hint="hint.sq_loss.square"),
        Check(id="grad", points=1, probe=_gradients,
              needs=("values",)),
        Check(id="inputs_unchanged", points=1,
              probe=_inputs_after, hint="hint.inplace"),
    ),
)
