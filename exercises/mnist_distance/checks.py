"""mnist_distance: the pixel-similarity distance (fastbook ch. 4, "Computing Metrics Using Broadcasting").

The chapter's function alone, for notebooks that define it without broadcast_distances'
`pairwise_distances` (fastbook's own 04_mnist_basics). Its checks are broadcast_distances'
first two, probe and judge included, so both exercises grade `mnist_distance` the same way.
"""

from __future__ import annotations

from grader.bank.folder import sibling
from grader.spec import Check, Exercise, Tolerance

distances = sibling(__file__, "broadcast_distances")

EXERCISE = Exercise(
    name="mnist_distance",
    source="fastbook ch. 4, Computing Metrics Using Broadcasting (mnist_distance)",
    entry=("mnist_distance",),
    checks=(
        Check(id="mnist_shape", points=1, values=False,
              probe=distances._mnist_results, judge=distances._shape_judge("hint.mnist_distance.last_two_dims")),
        Check(id="mnist_values", points=1, probe=distances._mnist_results,
              needs=("mnist_shape",), tolerance=Tolerance(reduction=28 * 28),
              hint="mean_abs", factor_hints=("mean_abs",)),
    ),
)
