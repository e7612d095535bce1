"""simple_graph: `SimpleGraph.forward`, tanh(x * w + b) (Neuromatch W1D2, Coding Exercise 2.1).

The class and its `__init__` are given; the student writes `forward`. Every probe builds the
model with Python floats, as the notebook does, and keeps references to the `w` and `b` that
`__init__` created before `forward` runs, so gradients are read from those very tensors.
The canonical point (w=-0.5, b=0.5, x=1, y=7) cannot tell tanh from its argument (both 0,
both give gradients -14), so the other points carry the real test: integer x there too (a forward
that skips tanh for integer input), and w, b with several decimals (an `__init__` that rounds them).
"""

from __future__ import annotations

from typing import Any

import torch

from grader import keys
from grader.probes import Run, grad_of
from grader.spec import Check, Exercise, TensorSpec, Tolerance, const, uniform

CLASS = "SimpleGraph"
CANONICAL = (-0.5, 0.5)  # the notebook's SimpleGraph(-0.5, 0.5)
SECOND = (0.3, -0.2)  # the catalogue's extra point: x=2, y=0.5 gives 0.3799490
THIRD = (-1.23456, 0.65432)  # several decimals: an __init__ that rounds w or b is off here


def _model(run: Run, w: float, b: float) -> Any:
    """SimpleGraph(w, b), with w and b moved to the run's device (the given __init__ makes CPU tensors)."""
    model = run.call(run.get(CLASS), w, b)
    if run.device.type != "cpu":
        for name in ("w", "b"):
            leaf = getattr(model, name, None)
            if isinstance(leaf, torch.Tensor):
                setattr(model, name, leaf.detach().to(run.device).requires_grad_(leaf.requires_grad))
    return model


def _x_text(x: torch.Tensor, spec: TensorSpec) -> str:
    """The argument as code (`torch.tensor([1])`), or as the key "x of shape (6,)" for random values."""
    if spec.values is not None:
        return f"torch.tensor({spec.values[0]!r})"
    return keys.call("simple_graph.call.x", shapes=keys.shapes(x))


def _called(w: float, b: float, x: torch.Tensor, spec: TensorSpec) -> str:
    return keys.call("simple_graph.call.forward", w=w, b=b, x=_x_text(x, spec))


def _is_tensor(value: Any) -> bool:
    return type(value) is torch.Tensor


def _leaves(model: Any) -> tuple[Any, Any]:
    """The model's w and b as __init__ made them (before forward can replace them)."""
    return getattr(model, "w", None), getattr(model, "b", None)


def _predictions(run: Run, cases: list[tuple[tuple[float, float], TensorSpec]], *, again: bool = False
                 ) -> dict[str, Any]:
    """forward on each case; stops at the first result that is not a tensor (the rest would only raise)."""
    out: dict[str, Any] = {}
    models: dict[tuple[float, float], Any] = {}
    todo = list(cases) + (list(cases[:1]) if again else [])
    for i, ((w, b), spec) in enumerate(todo):
        model = models.get((w, b))
        if model is None:
            model = models[(w, b)] = _model(run, w, b)
        x = run.make(spec)
        key = _called(w, b, x, spec)
        if i >= len(cases):
            key = keys.call("simple_graph.call.again", call=key)
        result = run.call(model.forward, x)
        out[key] = result
        if not _is_tensor(result):
            break
    return out


# The notebook's int64 feature, a float one, and a vector of features.
SHAPE_CASES = [
    (CANONICAL, const([1], dtype="int64")),
    (SECOND, const([2.0])),
    (SECOND, uniform(6, low=-2.0, high=2.0, seed=11)),
]


def _prediction(run: Run) -> dict[str, Any]:
    return _predictions(run, SHAPE_CASES)


# Values away from the canonical point, where tanh(z) and z differ; vectors include large |z|
# (saturation); integer x (the notebook's dtype) away from it too. The first case is called again
# on the same model: forward must not change it.
VALUE_CASES = [
    (SECOND, const([2.0])),
    (SECOND, uniform(8, low=-3.0, high=3.0, seed=12)),
    (THIRD, uniform(8, low=-3.0, high=3.0, seed=13)),
    (THIRD, const([0.0, 1.0, -1.0])),
    (SECOND, const([2], dtype="int64")),
    (THIRD, const([3, -1, 0, 2], dtype="int64")),
]


def _values(run: Run) -> dict[str, Any]:
    return _predictions(run, VALUE_CASES, again=True)


def _loss_and_grads(run: Run, w: float, b: float, x_spec: TensorSpec, y_spec: TensorSpec,
                    loss_key: str) -> dict[str, Any]:
    """forward, then loss = sum((y - prediction)**2) built here (not the student's sq_loss), backward."""
    model = _model(run, w, b)
    w0, b0 = _leaves(model)
    x, y = run.make(x_spec), run.make(y_spec)
    called = _called(w, b, x, x_spec)
    prediction = run.call(model.forward, x)
    out: dict[str, Any] = {called: prediction}
    if not (_is_tensor(prediction) and prediction.requires_grad and prediction.grad_fn is not None):
        return out  # the comparison says why; the missing gradients read as "no gradient reached"
    loss = ((y - prediction) ** 2).sum()
    loss.backward()
    for name, leaf in (("self.w", w0), ("self.b", b0)):
        if isinstance(leaf, torch.Tensor):
            out[keys.gradient(name, of=loss_key)] = grad_of(leaf)
    return out


def _canonical(run: Run) -> dict[str, Any]:
    w, b = CANONICAL
    return _loss_and_grads(run, w, b, const([1], dtype="int64"), const([7], dtype="int64"),
                           keys.call("simple_graph.call.loss", w=w, b=b, x=1, y=7))


def _gradients(run: Run) -> dict[str, Any]:
    w, b = SECOND
    out = _loss_and_grads(run, w, b, const([2.0]), const([0.5]), keys.call("simple_graph.call.loss", w=w, b=b,
                                                                            x=2.0, y=0.5))
    w, b = THIRD
    out.update(_loss_and_grads(run, w, b, const([2], dtype="int64"), const([0.5]),
                               keys.call("simple_graph.call.loss", w=w, b=b, x=2, y=0.5)))
    x_spec = uniform(6, low=-2.0, high=2.0, seed=14)
    out.update(_loss_and_grads(run, w, b, x_spec, uniform(6, low=-1.0, high=1.0, seed=15),
                               keys.call("simple_graph.call.loss_summed", w=w, b=b, shapes=[[6]])))
    return out


EXERCISE = Exercise(
    name="simple_graph",
    source="Neuromatch W1D2 Tutorial 1, Coding Exercise 2.1",
    entry=(CLASS,),
    checks=(
        Check(id="prediction", points=1, probe=_prediction, values=False, hint="hint.simple_graph.prediction"),
        Check(id="canonical", points=1, probe=_canonical, needs=("prediction",), hint="hint.simple_graph.canonical"),
        Check(id="values", points=1, probe=_values,
              needs=("prediction",), hint="hint.simple_graph.tanh"),
        Check(id="grad", points=2, probe=_gradients,
              needs=("values",), tolerance=Tolerance(reduction=6), hint="hint.simple_graph.grad"),
    ),
)
