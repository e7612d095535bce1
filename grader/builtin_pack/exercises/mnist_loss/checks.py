"""mnist_loss: the sigmoid loss of the 3-vs-7 classifier (fastbook ch. 4, "The MNIST Loss Function").

`mnist_loss(predictions, targets)`: squash the logits with a sigmoid, then take the mean over the
batch of 1 - p where the target is 1 (a 3) and p where it is 0 (a 7). The chapter's last
definition (the one with the sigmoid) is the one graded.
"""

from __future__ import annotations

from typing import Any

from grader import keys
from grader.probes import Run, backward, grad_of
from grader.spec import Check, Exercise, TensorSpec, const, labels, logits

CALL = "mnist_loss(predictions, targets)"  # as code (hidden.py names its call with it)
CALL_ID = "mnist_loss.call.mnist_loss"  # "mnist_loss(predictions, targets) with shapes ..."


def _called(predictions: Any, targets: Any) -> str:
    return keys.call(CALL_ID, shapes=keys.shapes(predictions, targets))


# (predictions, targets): the book's (N, 1) logits with int64 labels, (N,) vectors, float labels,
# the book's toy values (σ applied: 0.44597), and float64 logits (the dtype must be kept).
CASES: list[tuple[TensorSpec, TensorSpec]] = [
    (logits(6, 1, seed=1), labels(6, 1, seed=2)),
    (logits(5, seed=3), labels(5, seed=4)),
    (logits(7, 1, seed=5), labels(7, 1, seed=6, dtype="float32")),
    (const([0.9, 0.4, 0.2]), const([1, 0, 1], dtype="int64")),
    (logits(4, 1, seed=7, dtype="float64"), labels(4, 1, seed=8)),
]


def _inputs(run: Run, spec: tuple[TensorSpec, TensorSpec], *, grad: bool = False) -> tuple[Any, Any]:
    return run.make(spec[0]).requires_grad_(grad), run.make(spec[1])


def _results(run: Run) -> dict[str, Any]:
    mnist_loss = run.get("mnist_loss")
    out = {}
    for spec in CASES:
        predictions, targets = _inputs(run, spec)
        out[_called(predictions, targets)] = run.call(mnist_loss, predictions, targets)
    return out


def _gradients(run: Run) -> dict[str, Any]:
    mnist_loss = run.get("mnist_loss")
    out = {}
    for spec in (CASES[0], CASES[1]):
        predictions, targets = _inputs(run, spec, grad=True)
        called = _called(predictions, targets)
        result = run.call(mnist_loss, predictions, targets)
        out[called] = result
        if backward(result):
            out[keys.gradient("predictions", of=called)] = grad_of(predictions)
    return out


def _inputs_after(run: Run) -> dict[str, Any]:
    mnist_loss = run.get("mnist_loss")
    predictions, targets = _inputs(run, (logits(6, 1, seed=9), labels(6, 1, seed=10, dtype="float32")))
    run.call(mnist_loss, predictions, targets)
    called = _called(predictions, targets)
    return {keys.after("predictions", of=called): predictions, keys.after("targets", of=called): targets}


EXERCISE = Exercise(
    name="mnist_loss",
    source="fastbook ch. 4, The MNIST Loss Function (the version with the sigmoid)",
    entry=("mnist_loss",),
    checks=(
        Check(id="scalar", points=1, probe=_results,
              values=False, hint="hint.mnist_loss.mean"),
        Check(id="values", points=1,
              probe=_results, needs=("scalar",), hint="hint.mnist_loss.values"),
        Check(id="grad", points=1, probe=_gradients, needs=("values",)),
        Check(id="inputs_unchanged", points=1,
              probe=_inputs_after, hint="hint.inplace"),
    ),
)
