"""conv2d_single: a 2-D convolution of one image with one kernel, by hand (ディープラーニング工作室 ch. 8;
catalogue seed-001 E29).

The result is compared with the reference (itself checked against `F.conv2d` in tests/test_bank_conv2d_single.py)
on the book's "x" image and crossing kernel, and on random images and kernels that are neither square nor
symmetric: the crossing kernel is unchanged by a 180° turn, so only an asymmetric kernel shows a flipped one
(catalogue mistake 15). Padding and stride are checked apart, each with its own hint; the gradients w.r.t. the
image and the kernel show a result rebuilt from numbers (`.item()`, `torch.tensor([...])`), which cuts the graph.

"By hand" is decided by the grader's reading of the source (`grader.how`): no `F.conv2d`, `nn.Conv2d`, `unfold`
or a library's correlate/convolve in the code that conv2d_single reaches. The worker's record of the torch
functions that ran can only make that check fail.

The judges compare as usual and pick the hint from what the result looks like: the wrong size (the output size
formula), or exactly the reference's result for the flipped kernel (a true convolution).
"""

from __future__ import annotations

from typing import Any

from grader import how, keys
from grader.compare import Comparison, Mismatch, compare, compare_observations
from grader.probes import Run, backward, grad_of
from grader.sandbox.protocol import Observed
from grader.spec import Check, Exercise, Seen, Tolerance, TensorSpec, const, rand

ENTRY = "conv2d_single"
TOLERANCE = Tolerance(reduction=9)  # each output element sums up to 9 products (a 3×3 kernel)
FLIPPED = "flipped"  # a fact the reference's extra keys carry: the same call with the kernel turned by 180°

CROSS_IMAGE = const([[1.0, -1, -1, -1, 1], [-1, 1, -1, 1, -1], [-1, -1, 1, -1, -1], [-1, 1, -1, 1, -1],
                     [1, -1, -1, -1, 1]])  # the book's "x" image
CROSS_KERNEL = const([[1.0, -1, 1], [-1, 1, -1], [1, -1, 1]])  # the book's crossing kernel

Case = tuple[TensorSpec, TensorSpec, int, int]  # image, kernel, padding, stride
PLAIN: list[Case] = [  # called as conv2d_single(image, kernel): the defaults are padding 0, stride 1
    (CROSS_IMAGE, CROSS_KERNEL, 0, 1),
    (rand(6, 7, seed=1), rand(3, 2, seed=2), 0, 1),
    (rand(5, 5, seed=3), rand(2, 3, seed=4), 0, 1),
    (rand(4, 6, seed=5), rand(3, 3, seed=6), 0, 1),
]
PADDED: list[Case] = [
    (CROSS_IMAGE, CROSS_KERNEL, 1, 1),
    (rand(5, 6, seed=7), rand(3, 3, seed=8), 2, 1),
    (rand(4, 4, seed=9), rand(2, 3, seed=10), 1, 1),
]
STRIDED: list[Case] = [
    (rand(7, 7, seed=11), rand(3, 3, seed=12), 0, 2),
    (rand(8, 9, seed=13), rand(2, 3, seed=14), 0, 3),  # the last rows and columns do not fit: dropped
    (rand(6, 5, seed=15), rand(3, 2, seed=16), 0, 2),
]
GRADIENT_CASE: Case = (rand(5, 6, seed=17), rand(3, 2, seed=18), 1, 2)  # padding and stride together

# What "by hand" forbids, wherever the code conv2d_single reaches names it: as an attribute (F.conv2d,
# x.unfold, scipy.signal.correlate2d) or imported (`from torch.nn.functional import conv2d as c`).
FORBIDDEN_NAMES = ("conv1d", "conv2d", "conv3d", "Conv1d", "Conv2d", "Conv3d", "LazyConv2d", "convolution",
                   "_convolution", "conv_transpose2d", "ConvTranspose2d", "unfold", "Unfold", "correlate",
                   "correlate2d", "convolve", "convolve2d", "fftconvolve", "oaconvolve")
FORBIDDEN_OPS = ("torch.nn.functional.conv1d", "torch.nn.functional.conv2d", "torch.nn.functional.conv3d",
                 "torch.convolution", "torch.nn.functional.conv_transpose2d", "torch.nn.functional.unfold",
                 "torch.Tensor.unfold")


def _key(image: Any, kernel: Any, padding: int, stride: int, *, plain: bool, flipped: bool = False) -> str:
    facts: dict[str, Any] = {"image": keys.shapes(image), "kernel": keys.shapes(kernel)}
    if not plain:
        facts |= {"padding": padding, "stride": stride}
    if flipped:
        facts[FLIPPED] = True
    return keys.call(f"{ENTRY}.call.plain" if plain else f"{ENTRY}.call", **facts)


def _call(run: Run, case: Case, *, plain: bool) -> dict[str, Any]:
    """The student's result for one case; on the reference's side, also the result for the flipped kernel."""
    conv = run.get(ENTRY)
    image_spec, kernel_spec, padding, stride = case
    image, kernel = run.make(image_spec), run.make(kernel_spec)
    args = (image, kernel) if plain else (image, kernel, padding, stride)
    out = {_key(image, kernel, padding, stride, plain=plain): run.call(conv, *args)}
    if not run.student:
        flipped = (image, kernel.flip(0, 1), *args[2:])
        out[_key(image, kernel, padding, stride, plain=plain, flipped=True)] = conv(*flipped)
    return out


def _plain(run: Run) -> dict[str, Any]:
    return {k: v for case in PLAIN for k, v in _call(run, case, plain=True).items()}


def _padded(run: Run) -> dict[str, Any]:
    return {k: v for case in PADDED for k, v in _call(run, case, plain=False).items()}


def _strided(run: Run) -> dict[str, Any]:
    return {k: v for case in STRIDED for k, v in _call(run, case, plain=False).items()}


def _gradients(run: Run) -> dict[str, Any]:
    conv = run.get(ENTRY)
    image_spec, kernel_spec, padding, stride = GRADIENT_CASE
    image = run.make(image_spec).requires_grad_(True)
    kernel = run.make(kernel_spec).requires_grad_(True)
    called = _key(image, kernel, padding, stride, plain=False)
    result = run.call(conv, image, kernel, padding, stride)
    out = {called: result}
    if backward(result):
        out[keys.gradient("image", of=called)] = grad_of(image)
        out[keys.gradient("kernel", of=called)] = grad_of(kernel)
    return out


def _is_flipped(key: str) -> bool:
    parsed = keys.parse(key)
    return bool(parsed and parsed[1].get(FLIPPED))


def _flipped_key(key: str) -> str:
    message_id, facts = keys.parse(key) or ("", {})
    return keys.call(message_id, **facts, **{FLIPPED: True})


def _judge(values: bool, hint: str) -> Any:
    """The comparison of every call (not the reference's flipped ones) at the check's tolerance, with the hint
    its difference points to."""

    def judge(native: dict[str, Observed], exact: dict[str, Observed], got: dict[str, Observed],
              tolerance: Tolerance) -> Comparison:
        result = compare_observations(native, exact, got, tolerance, values=values,
                                      only=[key for key in native if not _is_flipped(key)])
        mismatch, key = result.mismatch, result.called
        if mismatch is None or key not in got:
            return result
        flipped = _flipped_key(key)
        if mismatch.summary[0] == "values_differ" and flipped in native and compare(
                native[flipped], exact.get(flipped, native[flipped]), got[key], tolerance).mismatch is None:
            mismatch.hint = "hint.conv2d_single.flip"
        elif mismatch.summary[0] in ("wrong_shape", "values_differ"):
            mismatch.hint = hint
        return result

    return judge


def _forbidden(run: Run) -> dict[str, Any]:
    conv = run.get(ENTRY)
    image_spec, kernel_spec, padding, stride = GRADIENT_CASE
    run.call(conv, run.make(image_spec), run.make(kernel_spec), padding, stride)
    return {"forbidden": run.uses(*FORBIDDEN_OPS)}


def _judge_by_hand(native: dict[str, Observed], exact: dict[str, Observed], got: dict[str, Observed],
                   seen: Seen) -> Comparison:
    verdict = how.forbidden(seen, FORBIDDEN_NAMES, (ENTRY,), "hint.conv2d_single.by_hand")
    if verdict is not None:
        return verdict
    used = got.get("forbidden")
    if used is None or not isinstance(used.value, list):
        return Comparison(Mismatch(summary=("not_observed", {"what": "forbidden"})))
    names = sorted({item.value for item in used.value if item.value in FORBIDDEN_OPS})
    if used.value:  # the worker's word: it can only take the point away, and it shows only names we know
        return Comparison(Mismatch(summary=("forbidden", {"names": ", ".join(names) or FORBIDDEN_OPS[1]}),
                                   hint="hint.conv2d_single.by_hand"))
    return Comparison()


EXERCISE = Exercise(
    name=ENTRY,
    source="ディープラーニング工作室 (Deep Learning Workshop) ch. 8; catalogue seed-001 E29",
    entry=(ENTRY,),
    checks=(
        Check(id="shape", points=1, probe=_plain, judge=_judge(False, "hint.conv2d_single.size"),
              hint="size", hint_on_raise=True, values=False),
        Check(id="values", points=1, probe=_plain, needs=("shape",), judge=_judge(True, "hint.conv2d_single.sum"),
              tolerance=TOLERANCE),
        Check(id="padding", points=1, probe=_padded, needs=("values",),
              judge=_judge(True, "hint.conv2d_single.padding"), tolerance=TOLERANCE),
        Check(id="stride", points=1, probe=_strided, needs=("values",),
              judge=_judge(True, "hint.conv2d_single.stride"), tolerance=TOLERANCE),
        Check(id="grad", points=1, probe=_gradients, needs=("values",), tolerance=TOLERANCE),
        Check(id="by_hand", points=1, probe=_forbidden, needs=("values",), judge=_judge_by_hand, sees=True),
    ),
)
