"""mnist_distance: the pixel-similarity distance (fastbook ch. 4, "Computing Metrics Using Broadcasting").

The chapter's function alone, for notebooks that define it without broadcast_distances'
`pairwise_distances` (fastbook's own 04_mnist_basics). Its checks are broadcast_distances'
first two, probe and judge included, so both exercises grade `mnist_distance` the same way.
"""

from __future__ import annotations

from grader.bank.broadcast_distances import _mnist_results, _shape_judge
from grader.spec import Check, Exercise, Tolerance

EXERCISE = Exercise(
    name="mnist_distance",
    title="Distance between images by broadcasting",
    source="fastbook ch. 4, Computing Metrics Using Broadcasting (mnist_distance)",
    entry=("mnist_distance",),
    checks=(
        Check(id="mnist_shape", title="one distance per image (mean over the last two dims)", points=1,
              probe=_mnist_results, judge=_shape_judge("hint.broadcast_distances.last_two_dims")),
        Check(id="mnist_values", title="mean absolute difference", points=1, probe=_mnist_results,
              needs=("mnist_shape",), tolerance=Tolerance(reduction=28 * 28),
              hint="hint.broadcast_distances.mean_abs"),
    ),
)
