"""mnist_loss's hidden check, graded from the full bank only (a student's pack leaves it out).

`saturated`: very confident logits (±100, ±50). torch.sigmoid and 1 / (1 + exp(-x)) saturate to 0
and 1 there; a sigmoid written as exp(x) / (1 + exp(x)) overflows to inf / inf = nan.
"""

from __future__ import annotations

from typing import Any

from grader.bank.folder import sibling
from grader.probes import Run, shapes
from grader.spec import Check, const

checks = sibling(__file__, "mnist_loss")

CONFIDENT = (const([[100.0], [-100.0], [50.0], [-50.0], [100.0], [2.0]]),
             const([[1], [0], [0], [1], [0], [1]], dtype="int64"))


def _saturated(run: Run) -> dict[str, Any]:
    mnist_loss = run.get("mnist_loss")
    predictions, targets = run.make(CONFIDENT[0]), run.make(CONFIDENT[1])
    return {f"{checks.CALL} with {shapes(predictions, targets)}, logits up to ±100":
            run.call(mnist_loss, predictions, targets)}


CHECKS = (
    Check(id="saturated", title="finite for very confident logits", points=1, probe=_saturated,
          needs=("values",)),
)
