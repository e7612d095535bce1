"""batch_accuracy: the metric of the 3-vs-7 classifier (fastbook ch. 4, "Putting It All Together").

`batch_accuracy(xb, yb)`: the fraction of images whose prediction, sigmoid(logit) > 0.5, equals
the 0/1 label, as a 0-d float tensor (so that `torch.stack` can average batch accuracies).
"""

from __future__ import annotations

from typing import Any

from grader import keys
from grader.probes import Run
from grader.spec import Check, Exercise, TensorSpec, const, labels, logits

CALL = "batch_accuracy.call.batch_accuracy"  # "batch_accuracy(xb, yb) with shapes ..."


def _called(xb: Any, yb: Any) -> str:
    return keys.call(CALL, shapes=keys.shapes(xb, yb))

# Logits in (0, 0.5] tell sigmoid(x) > 0.5 (right) from x > 0.5 (the sigmoid forgotten); none is
# exactly 0, where conventions may differ. 7 of these 8 are right: 0.875.
BOOK_LOGITS = const([[-2.0], [0.3], [-0.7], [1.5], [0.45], [-0.2], [3.0], [0.1]])
BOOK_LABELS = const([[0], [1], [0], [1], [0], [0], [1], [1]], dtype="int64")

# (xb, yb): the book's (N, 1) logits and int64 labels, (N,) vectors, float labels.
CASES: list[tuple[TensorSpec, TensorSpec]] = [
    (BOOK_LOGITS, BOOK_LABELS),
    (logits(9, 1, seed=1), labels(9, 1, seed=2)),
    (logits(6, seed=3), labels(6, seed=4)),
    (logits(7, 1, seed=5), labels(7, 1, seed=6, dtype="float32")),
]


def _results(run: Run) -> dict[str, Any]:
    batch_accuracy = run.get("batch_accuracy")
    out = {}
    for xb_spec, yb_spec in CASES:
        xb, yb = run.make(xb_spec), run.make(yb_spec)
        out[_called(xb, yb)] = run.call(batch_accuracy, xb, yb)
    return out


def _inputs_after(run: Run) -> dict[str, Any]:
    batch_accuracy = run.get("batch_accuracy")
    xb, yb = run.make(logits(6, 1, seed=7)), run.make(labels(6, 1, seed=8, dtype="float32"))
    run.call(batch_accuracy, xb, yb)
    called = _called(xb, yb)
    return {keys.after("xb", of=called): xb, keys.after("yb", of=called): yb}


EXERCISE = Exercise(
    name="batch_accuracy",
    source="fastbook ch. 4, Putting It All Together (batch_accuracy)",
    entry=("batch_accuracy",),
    checks=(
        Check(id="scalar", points=1,
              probe=_results, values=False, hint="hint.batch_accuracy.scalar"),
        Check(id="values", points=1,
              probe=_results, needs=("scalar",), hint="hint.batch_accuracy.values"),
        Check(id="inputs_unchanged", points=1, probe=_inputs_after,
              hint="hint.inplace"),
    ),
)
