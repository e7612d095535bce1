"""broadcast_distances: distances by broadcasting (fastbook ch. 4, `mnist_distance`; pairwise rows).

`mnist_distance(a, b)`: the mean absolute difference over the last two dims, leading dims
broadcast. `pairwise_distances(x, y)`: Euclidean distances between the rows of x [N, D] and
y [M, D], as [N, M], by broadcasting: no `torch.cdist`, no Python loop over rows.

How "no cdist" and "vectorised" are decided: by what the grader sees itself, never by what the
student's process reports (see grader/bank/how.py). `no_cdist`: the grader's reading of the source
finds no distance helper (`torch.cdist`, `scipy...cdist`, sklearn's `pairwise_distances`, ...) in
the code `pairwise_distances` reaches, and nothing it cannot follow (`exec`, `torch.ops`, frames...).
`vectorised`: the same reading finds nothing opaque, and the worker's CPU time on the check's probe,
read by the grader from outside the worker (the kernel's count for that process), stays within a
few times the reference's on the same probe. The probe runs the function on TIMED: one size with
many rows of x and one with many rows of y, both with few features, where broadcasting costs
almost nothing and a loop over rows costs a torch call per row (≈ 25× the reference, a pure-Python
loop ≈ 100×). A loop over a fixed small count (the features) stays fast and passes; the loops the
reading finds are named in the feedback.

The worker's own record is kept and can only make the checks fail: the torch functions it ran
(`run.ops`), and, at two sizes, the number of torch operations and of lines of the submission's
own file that ran (a `sys.settrace` counter). A last check runs the contract's N = M = 2000, D = 64
within a time limit (the broadcast [N, M, D] difference is 1 GB in float32, hence the exercise's
memory limit).
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

import torch

from grader import how, keys
from grader.compare import Comparison, Mismatch, compare_observations
from grader.probes import Run
from grader.sandbox.protocol import Observed
from grader.spec import Check, Exercise, Seen, TensorSpec, Tolerance, rand, uniform

MNIST_CALL = "broadcast_distances.call.mnist"  # "mnist_distance(a, b) with shapes ..."
PAIRWISE_CALL = "pairwise_distances(x, y)"  # code: the same in every language
PAIRWISE = "broadcast_distances.call.pairwise"  # "pairwise_distances(x, y) with shapes ..."

# (a, b): the contract's three shapes, and the batch passed second (the distance is symmetric).
# Pixels in [0, 1] as in the book; always 28×28 images (`/ 784` is a correct formulation).
MNIST_CASES: list[tuple[TensorSpec, TensorSpec]] = [
    (uniform(28, 28, low=0, high=1, seed=1), uniform(28, 28, low=0, high=1, seed=2)),
    (uniform(5, 28, 28, low=0, high=1, seed=3), uniform(28, 28, low=0, high=1, seed=4)),
    (uniform(28, 28, low=0, high=1, seed=5), uniform(6, 28, 28, low=0, high=1, seed=6)),
    (uniform(2, 3, 28, 28, low=0, high=1, seed=7), uniform(28, 28, low=0, high=1, seed=8)),
]

# (x, y): N ≠ M everywhere, so that a transposed or (N, 1)-(N,) result shows in the shape.
# No two rows are close (smallest distance > 0.7), so the |x|² + |y|² − 2x·y expansion,
# which loses precision near zero, is as accurate as the direct formula here.
PAIRWISE_CASES: list[tuple[TensorSpec, TensorSpec]] = [
    (rand(5, 4, seed=11), rand(3, 4, seed=12)),
    (rand(1, 3, seed=13), rand(4, 3, seed=14)),
    (rand(7, 64, seed=15), rand(9, 64, seed=16)),
    (rand(6, 2, seed=17), rand(2, 2, seed=18)),
]
LARGEST_D = 64

# The loop detector's two sizes (same D): vectorised code does the same work at both.
SMALL, BIG = (rand(8, 5, seed=21), rand(6, 5, seed=22)), (rand(64, 5, seed=23), rand(48, 5, seed=24))
SLACK = 3  # operations or lines more at the big size that still count as "the same"

# The contract's size, under the check's time limit and the exercise's memory limit. (Loops are
# found by the `vectorised` check: a loop over rows of torch ops takes well under a second here.)
LARGE = (rand(2000, 64, seed=31), rand(2000, 64, seed=32))
SAMPLED = 64  # entries of the 2000 × 2000 result compared with the reference

FORBIDDEN_TORCH = ("cdist", "_cdist_forward", "_cdist_backward", "_euclidean_dist")
FORBIDDEN_PYTHON = ("cdist", "pdist", "distance_matrix", "euclidean_distances", "pairwise_distances")
FORBIDDEN_NAMES = tuple(sorted(set(FORBIDDEN_TORCH) | set(FORBIDDEN_PYTHON)))  # for the static reading
ENTRY = ("pairwise_distances",)

# The timed part of the `vectorised` probe: few features, many rows of x, then many rows of y.
TIMED: tuple[tuple[TensorSpec, TensorSpec], ...] = (
    (rand(4000, 2, seed=41), rand(10, 2, seed=42)),
    (rand(10, 2, seed=43), rand(4000, 2, seed=44)),
)
REPEATS = 5  # calls per size, after one to warm up
CPU_RATIO, CPU_ALLOWANCE = 4.0, 0.04  # pass: CPU ≤ max(RATIO × reference's, reference's + ALLOWANCE s)


class _LineCounter:
    """Counts the lines of the submission's own file that run; notes distance helpers called.

    A trace function sees every Python frame: the ones from the submission's file are counted
    line by line (a loop re-runs its lines, a comprehension too), the others only by name, to
    spot `scipy.spatial.distance.cdist` and the like.
    """

    def __init__(self, files: set[str]) -> None:
        self.files = files
        self.lines = 0
        self.called: list[str] = []
        self._previous: Any = None

    def __enter__(self) -> _LineCounter:
        self._previous = sys.gettrace()
        sys.settrace(self._global)
        return self

    def __exit__(self, *exc: object) -> None:
        sys.settrace(self._previous)

    def _global(self, frame: FrameType, event: str, arg: Any) -> Any:
        code = frame.f_code
        if code.co_filename in self.files:
            self.lines += 1
            return self._local
        if code.co_name in FORBIDDEN_PYTHON:
            self.called.append(f"{frame.f_globals.get('__name__', '?')}.{code.co_name}")
        return None

    def _local(self, frame: FrameType, event: str, arg: Any) -> Any:
        if event == "line":
            self.lines += 1
        return self._local


def _own_files(run: Run, fn: Any) -> set[str]:
    files = {str(run.ns.get("__file__", ""))}
    code = getattr(fn, "__code__", None)
    if code is not None:
        files.add(code.co_filename)
    return files - {""}


def _forbidden(run: Run, counter: _LineCounter) -> list[str]:
    names = {"torch.cdist" if "cdist" in op else op
             for op in run.ops if any(part in FORBIDDEN_TORCH for part in op.split("."))}
    # torch's own Python wrappers show up in both lists; the torch op names them already.
    names |= {name for name in counter.called if not name.startswith("torch.")}
    return sorted(names)


def _shape_judge(hint: str) -> Any:
    """The default comparison of types and shapes, with this exercise's hint for a wrong shape.

    (The generic shape hints guess from the shapes alone; here a wrong shape always means the
    wrong dims were reduced or kept, and the exercise's hint says which ones are right.)
    """
    def judge(native: dict[str, Observed], exact: dict[str, Observed], got: dict[str, Observed],
              tolerance: Tolerance) -> Comparison:
        result = compare_observations(native, exact, got, tolerance, values=False)
        if result.mismatch is not None and result.mismatch.summary[0] == "wrong_shape":
            result.mismatch.hint = hint
        return result
    return judge


# -- mnist_distance ---------------------------------------------------------------------------

def _mnist_results(run: Run) -> dict[str, Any]:
    mnist_distance = run.get("mnist_distance")
    out = {}
    for a_spec, b_spec in MNIST_CASES:
        a, b = run.make(a_spec), run.make(b_spec)
        out[keys.call(MNIST_CALL, shapes=keys.shapes(a, b))] = run.call(mnist_distance, a, b)
    return out


# -- pairwise_distances -----------------------------------------------------------------------

def _pairwise_results(run: Run) -> dict[str, Any]:
    pairwise_distances = run.get("pairwise_distances")
    out = {}
    for x_spec, y_spec in PAIRWISE_CASES:
        x, y = run.make(x_spec), run.make(y_spec)
        out[keys.call(PAIRWISE, shapes=keys.shapes(x, y))] = run.call(pairwise_distances, x, y)
    return out


FORBIDDEN_KEY = keys.call("broadcast_distances.call.forbidden")  # the distance functions it called


def _pairwise_forbidden(run: Run) -> dict[str, Any]:
    pairwise_distances = run.get("pairwise_distances")
    with _LineCounter(_own_files(run, pairwise_distances)) as counter:
        for x_spec, y_spec in PAIRWISE_CASES[:2]:
            run.call(pairwise_distances, run.make(x_spec), run.make(y_spec))
    return {FORBIDDEN_KEY: _forbidden(run, counter)}


def _judge_forbidden(native: dict[str, Any], exact: dict[str, Any], got: dict[str, Any], seen: Seen) -> Comparison:
    verdict = how.forbidden(seen, FORBIDDEN_NAMES, ENTRY, "hint.broadcast_distances.no_cdist")
    if verdict is not None:
        verdict.called = PAIRWISE_CALL
        return verdict
    record = got.get(FORBIDDEN_KEY)  # the worker's record: it can only fail the check
    if record is None or not isinstance(record.value, list):
        return Comparison(Mismatch(summary=("not_observed", {"what": FORBIDDEN_KEY})))
    names = [str(o.value) for o in record.value]
    if names:
        shown = sorted({n for n in names if n == "torch.cdist" or n.rsplit(".", 1)[-1] in FORBIDDEN_PYTHON})
        return Comparison(Mismatch(summary=("forbidden", {"names": ", ".join(shown or ["torch.cdist"])[:200]}),
                                   hint="hint.broadcast_distances.no_cdist"), called=PAIRWISE_CALL)
    return Comparison()


def _work(run: Run, x_spec: TensorSpec, y_spec: TensorSpec) -> tuple[str, int, int]:
    pairwise_distances = run.get("pairwise_distances")
    x, y = run.make(x_spec), run.make(y_spec)
    before = len(run.ops)
    with _LineCounter(_own_files(run, pairwise_distances)) as counter:
        run.call(pairwise_distances, x, y)
    return f"N = {x.shape[0]}, M = {y.shape[0]}", len(run.ops) - before, counter.lines


@contextmanager
def _no_gc() -> Iterator[None]:
    """No garbage collection while timing: a collection's cost depends on the whole process's heap."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _timed(run: Run) -> str:
    """The part of the probe the grader times (from outside the worker): REPEATS calls at each of TIMED."""
    pairwise_distances = run.get("pairwise_distances")
    sizes = []
    for x_spec, y_spec in TIMED:
        x, y = run.make(x_spec), run.make(y_spec)
        sizes.append(f"N = {x.shape[0]}, M = {y.shape[0]}, D = {x.shape[1]}")
        with _no_gc():
            for _ in range(REPEATS + 1):
                pairwise_distances(x, y)
    return "; ".join(sizes)


TIMED_KEY = keys.call("broadcast_distances.call.timed")  # the sizes it was timed on


def _pairwise_work(run: Run) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with _one_thread():
        for label, spec in (("small", SMALL), ("big", BIG)):
            size, ops, lines = _work(run, *spec)
            out[f"{label}: size"] = size
            out[f"{label}: torch operations"] = ops
            out[f"{label}: lines of Python"] = lines
        out[TIMED_KEY] = _timed(run)
    return out


@contextmanager
def _one_thread() -> Iterator[None]:
    """One intra-op thread while the work is timed, on both sides: CPU seconds are compared, and idle
    threads spinning in a parallel region would count as work (seen with 2 threads in validate --repeat)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def _judge_vectorised(native: dict[str, Any], exact: dict[str, Any], got: dict[str, Any], seen: Seen) -> Comparison:
    """Opaque code fails; then the grader's CPU measurement decides; the worker's counts can only fail."""
    verdict = how.opaque(seen)
    if verdict is not None:
        return verdict
    found = seen.reading.loops(ENTRY)[:4]
    loops = keys.listing([_shown_loop(f) for f in found]) if found else ""
    slow = _cpu_verdict(seen, loops, str(native[TIMED_KEY].value))
    if slow is not None:
        return slow
    return _counted_verdict(native, got)


# The static reading's names of loops (grader/static.py), said in the student's language; other
# constructs (`.apply_()`, `map()`) are code and shown as they are.
LOOP_WORDS = {"a for loop": "broadcast_distances.call.for_loop", "a while loop": "broadcast_distances.call.while_loop",
              "a comprehension": "broadcast_distances.call.comprehension"}


def _shown_loop(finding: Any) -> str:
    construct = finding.construct
    construct = keys.call(LOOP_WORDS[construct]) if construct in LOOP_WORDS else construct
    if finding.cell is None:
        return keys.call("broadcast_distances.call.loop", construct=construct, line=finding.line)
    return keys.call("broadcast_distances.call.loop_cell", construct=construct, cell=finding.cell, line=finding.line)


def _cpu_verdict(seen: Seen, loops: str, sizes: str) -> Comparison | None:
    if seen.cpu is None or seen.reference_cpu is None:
        if not loops:
            return None  # nothing to time it by, and nothing that loops
        return Comparison(Mismatch(summary=("broadcast_distances.unmeasured", {"call": PAIRWISE_CALL, "loops": loops}),
                                   hint="hint.broadcast_distances.vectorise"))
    limit = max(CPU_RATIO * seen.reference_cpu, seen.reference_cpu + CPU_ALLOWANCE)
    if seen.cpu <= limit:
        return None
    return Comparison(Mismatch(
        summary=("broadcast_distances.slow", {"call": PAIRWISE_CALL, "sizes": sizes, "cpu": f"{seen.cpu * 1000:.0f}",
                                              "reference": f"{seen.reference_cpu * 1000:.0f}"}),
        expected=("broadcast_distances.fast_enough", {"limit": f"{limit * 1000:.0f}"}),
        where=("broadcast_distances.loops_at", {"loops": loops}) if loops else None,
        hint="hint.broadcast_distances.vectorise",
    ), margin=0.0)


def _counted_verdict(native: dict[str, Any], got: dict[str, Any]) -> Comparison:
    """The worker's own counts at two sizes (its word: they can only fail the check)."""
    try:
        facts = {key: got[key].value for key in native if key != TIMED_KEY}
        small_ops, big_ops = int(facts["small: torch operations"]), int(facts["big: torch operations"])
        small_lines, big_lines = int(facts["small: lines of Python"]), int(facts["big: lines of Python"])
    except (KeyError, TypeError, ValueError):
        return Comparison(Mismatch(summary=("not_observed", {"what": keys.call("broadcast_distances.call.work")})))
    if big_ops <= small_ops + SLACK and big_lines <= small_lines + SLACK:
        return Comparison()
    return Comparison(Mismatch(
        summary=("broadcast_distances.loop", {"call": PAIRWISE_CALL}),
        expected=("broadcast_distances.same_work", {}),
        got=("broadcast_distances.work", {
            "small": native["small: size"].value, "small_ops": small_ops, "small_lines": small_lines,
            "big": native["big: size"].value, "big_ops": big_ops, "big_lines": big_lines,
        }),
        hint="hint.broadcast_distances.vectorise",
    ))


def _pairwise_large(run: Run) -> dict[str, Any]:
    pairwise_distances = run.get("pairwise_distances")
    x, y = run.make(LARGE[0]), run.make(LARGE[1])
    gen = torch.Generator().manual_seed(33)
    rows = torch.randint(0, x.shape[0], (SAMPLED,), generator=gen).to(x.device)
    cols = torch.randint(0, y.shape[0], (SAMPLED,), generator=gen).to(x.device)
    called = keys.call(PAIRWISE, shapes=keys.shapes(x, y))
    shape = keys.call("broadcast_distances.call.shape", of=called)
    sampled = keys.call("broadcast_distances.call.sampled", of=called, count=SAMPLED)
    if not run.student:
        # The reference needs only the sampled pairs: the same rows, at a fraction of the cost.
        return {shape: str((x.shape[0], y.shape[0])), sampled: pairwise_distances(x[rows], y[cols]).diagonal()}
    result = run.call(pairwise_distances, x, y)
    if type(result) is not torch.Tensor:
        return {shape: result}  # the comparison says what came back instead
    out: dict[str, Any] = {shape: str(tuple(result.shape))}
    if tuple(result.shape) == (x.shape[0], y.shape[0]):
        out[sampled] = result[rows, cols]
    return out


EXERCISE = Exercise(
    name="broadcast_distances",
    source="fastbook ch. 4 (mnist_distance), with a pairwise-distance extension",
    entry=("mnist_distance", "pairwise_distances"),
    checks=(
        Check(id="mnist_shape", points=1, probe=_mnist_results, values=False,
              judge=_shape_judge("hint.broadcast_distances.last_two_dims")),
        Check(id="mnist_values", points=1,
              probe=_mnist_results, needs=("mnist_shape",), tolerance=Tolerance(reduction=28 * 28),
              hint="mean_abs", factor_hints=("mean_abs",)),
        Check(id="pairwise_shape", points=1, probe=_pairwise_results, values=False,
              judge=_shape_judge("hint.broadcast_distances.pairs_shape")),
        Check(id="pairwise_values", points=1,
              probe=_pairwise_results, needs=("pairwise_shape",), tolerance=Tolerance(reduction=LARGEST_D),
              hint="hint.broadcast_distances.euclidean"),
        Check(id="no_cdist", points=1,
              probe=_pairwise_forbidden, needs=("pairwise_values",), judge=_judge_forbidden, sees=True),
        Check(id="vectorised", points=1,
              probe=_pairwise_work, needs=("pairwise_values",), judge=_judge_vectorised, sees=True,
              reference="native", timeout=5.0),
        Check(id="large", points=1,
              probe=_pairwise_large, needs=("pairwise_values",), tolerance=Tolerance(reduction=LARGEST_D),
              timeout=20.0, hint="hint.broadcast_distances.vectorise"),
    ),
    memory_mb=4096,  # [2000, 2000, 64] float32 is 1 GiB; `(diff ** 2).sum(-1)` holds two at once
)
