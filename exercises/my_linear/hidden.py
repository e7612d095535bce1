"""my_linear's hidden check, graded from the full bank only (a student's pack leaves it out).

`float64`: the layer converted with `.double()` (as nn.Linear can be) computes in float64 on a float64
input. A forward that casts its input with `x.float()` (a habit for integer inputs) passes every
float32 check and fails here: float32 x against float64 weights.
"""

from __future__ import annotations

from typing import Any

from grader import keys
from grader.bank.folder import sibling
from grader.probes import Run
from grader.spec import Check, rand

checks = sibling(__file__, "my_linear")


def _float64(run: Run) -> dict[str, Any]:
    module, out = checks._loaded(run, checks.IN, checks.OUT, seed=71)
    if "loaded" not in out.values():
        return out  # the comparison reports why it did not load
    module = module.double()
    x = run.make(rand(3, checks.IN, seed=72, dtype="float64"))
    out[keys.call("my_linear.call.forward", layer=f"{checks._call(checks.IN, checks.OUT)}.double()",
                  shapes=keys.shapes(x))] = run.call(module, x)
    return out


CHECKS = (
    Check(id="float64", title="works in float64 after .double()", points=1, probe=_float64, needs=("forward",)),
)
