"""sq_loss's hidden check, graded from the full bank only (a student's pack leaves it out).

`accurate_near`: y_true and y_prediction near 1000 and close to each other. The difference of two
float32 numbers this close is exact, so its square is accurate to float32 precision; the expanded
form y_true² − 2·y_true·y_prediction + y_prediction² cancels ~10⁶ against ~10⁶ and is off by ~0.1.
"""

from __future__ import annotations

from typing import Any

from grader.bank.folder import sibling
from grader.probes import Run, shapes
from grader.spec import Check, uniform

checks = sibling(__file__, "sq_loss")

NEAR = (uniform(8, low=999.0, high=1001.0, seed=11), uniform(8, low=999.0, high=1001.0, seed=12))


def _near(run: Run) -> dict[str, Any]:
    sq_loss = run.get("sq_loss")
    y_true, y_pred = run.make(NEAR[0]), run.make(NEAR[1])
    return {f"{checks.CALL} with {shapes(y_true, y_pred)}, values near 1000": run.call(sq_loss, y_true, y_pred)}


CHECKS = (
    Check(id="accurate_near", title="accurate for large values close to each other", points=1, probe=_near,
          needs=("values",), tolerance=checks.FLOAT32_PRECISION),
)
