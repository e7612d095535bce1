"""Comparing what the student's code produced with the reference's, fact by fact.

The expected side comes in two runs of the reference: `native` (the student's dtypes:
it fixes the expected type, shape, dtype and autograd facts) and `exact` (float64, the
values to compare against). The allowed error follows `torch.testing`'s defaults for
the result's dtype, scaled by sqrt(reduction size), plus eight times the reference's
own float32 rounding error, so that any correct float32 formulation passes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import torch

from grader import keys
from grader.sandbox.protocol import Observed
from grader.spec import Tolerance

# torch.testing's defaults (torch/testing/_comparison.py, _DTYPE_PRECISIONS).
DEFAULT_TOLERANCES: dict[torch.dtype, tuple[float, float]] = {
    torch.float16: (1e-3, 1e-5),
    torch.bfloat16: (1.6e-2, 1e-5),
    torch.float32: (1.3e-6, 1e-5),
    torch.float64: (1e-7, 1e-7),
}
SLACK_FACTOR = 8.0
MAX_SHOWN = 6  # values shown in full up to this many elements

Message = tuple[str, dict[str, Any]]


@dataclass
class Mismatch:
    """Why a value is wrong: the message ids of the feedback's parts, with their facts."""

    summary: Message
    expected: Message | None = None
    got: Message | None = None
    where: Message | None = None
    hint: str | None = None


@dataclass
class Comparison:
    mismatch: Mismatch | None = None
    margin: float = 0.0  # the largest observed error ÷ allowed error
    called: str = ""  # what was called when the mismatch showed (set by custom judges)


def describe(obs: Observed) -> str:
    """A short, student-facing description ('torch.Tensor of shape (4, 5), float32', or the value itself), as a
    key (`grader.keys.call`) that the report says in the student's language."""
    if obs.is_tensor:
        return keys.call("describe.tensor", type=obs.type, shape=str(tuple(obs.value.shape)),
                         dtype=_dt(obs.value.dtype))
    if isinstance(obs.value, list):
        return keys.call("describe.sequence", type=obs.type, length=obs.length or len(obs.value))
    if isinstance(obs.value, dict):
        return keys.call("describe.mapping", type=obs.type, keys=str(sorted(obs.value)))
    return keys.call("describe.value", type=obs.type, value=repr(obs.value))


def show(t: torch.Tensor) -> str:
    """Values in full up to MAX_SHOWN elements."""
    if t.numel() <= MAX_SHOWN:
        return _fmt_list(t.tolist())
    flat = t.reshape(-1)[:MAX_SHOWN].tolist()
    return _fmt_list(flat)[:-1] + ", …]"


def _fmt_list(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_fmt_list(v) for v in value) + "]"
    return _fmt_num(value)


def _fmt_num(x: Any) -> str:
    if isinstance(x, float):
        return f"{x:.6g}"
    if isinstance(x, complex):
        return f"({x.real:.6g}{x.imag:+.6g}j)"
    return str(x)


def tolerance_for(dtype: torch.dtype, tol: Tolerance, device: str) -> tuple[float, float]:
    if tol.rtol is not None and tol.atol is not None:
        rtol, atol = tol.rtol, tol.atol
    else:
        rtol, atol = DEFAULT_TOLERANCES.get(dtype, (0.0, 0.0))
    scale = math.sqrt(max(tol.reduction, 1))
    if device.startswith("cuda"):
        scale *= 10.0  # other kernels, other summation orders
    return rtol * scale, atol * scale


def close(got: float, expected: float, tol: Tolerance, dtype: torch.dtype = torch.float32, device: str = "cpu") -> bool:
    """Whether one number is within `tol` of the expected one, as `compare` decides for one element of `dtype`
    (for judges that look at numbers one by one, e.g. to find the first epoch that differs)."""
    rtol, atol = tolerance_for(dtype, tol, device)
    return abs(got - expected) <= atol + rtol * abs(expected)


def compare_observations(native: dict[str, Observed], exact: dict[str, Observed], got: dict[str, Observed],
                         tol: Tolerance, *, values: bool = True, only: Iterable[str] | None = None) -> Comparison:
    """A check's default comparison: each of the reference's observations (or those named in `only`, in that
    order) against the student's, in order, at `tol`. The first mismatch, with `called` set to its key; else
    the largest margin. A missing gradient is "no gradient reached ...", any other missing key "not observed".
    """
    margin = 0.0
    for key in native if only is None else only:
        expected, observed = native[key], got.get(key)
        gradient = keys.is_gradient(key)
        if observed is None and not gradient:
            return Comparison(Mismatch(summary=("not_observed", {"what": key})), margin, called=key)
        if observed is None or (observed.type == "NoneType" and expected.is_tensor and gradient):
            mismatch = Mismatch(summary=("no_gradient", {"name": keys.gradient_name(key)}), hint="hint.graph_cut")
            return Comparison(mismatch, margin, called=key)
        result = compare(expected, exact.get(key, expected), observed, tol, values=values)
        if result.mismatch is not None:
            result.called = key
            return result
        margin = max(margin, result.margin)
    return Comparison(margin=margin)


def compare(native: Observed, exact: Observed, got: Observed, tol: Tolerance, *, values: bool = True,
            path: str = "") -> Comparison:
    """Compare the student's value with the reference's (both runs of it).

    With `values=False` only the kind of result is compared: type, length, shape, dtype,
    device and whether it is connected to the autograd graph.
    """
    if native.is_tensor:
        return _compare_tensor(native, exact, got, tol, values, path)
    if native.type == "float" or (native.type == "int" and got.type == "float"):
        if not values and got.type in ("float", "int"):
            return Comparison()
        return _compare_number(native, exact, got, tol, path)
    if isinstance(native.value, list):
        return _compare_sequence(native, exact, got, tol, values, path)
    if isinstance(native.value, dict):
        return _compare_mapping(native, exact, got, tol, values, path)
    if got.type != native.type or got.value != native.value:
        return Comparison(Mismatch(
            summary=("value_differs", {"path": path}),
            expected=("plain", {"text": describe(native)}),
            got=("plain", {"text": describe(got)}),
        ))
    return Comparison()


def _wrong_type(native: Observed, got: Observed, path: str) -> Comparison:
    hint = None
    if got.type == "numpy.ndarray" or got.type.startswith("numpy."):
        hint = "hint.numpy_result"
    elif got.type in ("float", "int") and native.is_tensor:
        hint = "hint.item_result"
    elif got.type == "NoneType":
        hint = "hint.returned_none"
    elif got.type == "ellipsis":
        hint = "hint.placeholder_left"
    return Comparison(Mismatch(
        summary=("wrong_type", {"path": path, "expected": native.type, "got": got.type}),
        expected=("plain", {"text": describe(native)}),
        got=("plain", {"text": describe(got)}),
        hint=hint,
    ))


def _compare_tensor(native: Observed, exact: Observed, got: Observed, tol: Tolerance, values: bool,
                    path: str) -> Comparison:
    if got.device.split(":")[0] == "meta" or (got.type == native.type and not got.is_tensor):
        return Comparison(Mismatch(  # observed without data: see protocol.observe
            summary=("no_data", {"path": path, "device": got.device}),
            expected=("plain", {"text": describe(native)}),
            got=("plain", {"text": keys.call("describe.no_data", type=got.type, device=got.device,
                                              value=str(got.value))}),
            hint="hint.meta" if got.device.startswith("meta") else None,
        ))
    if not got.is_tensor or got.type.startswith("numpy."):
        return _wrong_type(native, got, path)
    if got.type != native.type:
        # A subclass can make comparisons lie; we accept only what the reference returns.
        return Comparison(Mismatch(
            summary=("subclass", {"path": path, "expected": native.type, "got": got.type}),
            hint="hint.subclass",
        ))
    e, g = native.value, got.value
    if tuple(e.shape) != tuple(g.shape):
        return Comparison(Mismatch(
            summary=("wrong_shape", {"path": path, "expected": tuple(e.shape), "got": tuple(g.shape)}),
            expected=("plain", {"text": describe(native)}),
            got=("plain", {"text": describe(got)}),
            hint=_shape_hint(tuple(e.shape), tuple(g.shape)),
        ))
    if e.dtype != g.dtype:
        return Comparison(Mismatch(
            summary=("wrong_dtype", {"path": path, "expected": _dt(e.dtype), "got": _dt(g.dtype)}),
            hint="hint.float64_leak" if g.dtype == torch.float64 else None,
        ))
    if native.device.split(":")[0] != got.device.split(":")[0]:
        return Comparison(Mismatch(
            summary=("wrong_device", {"path": path, "expected": native.device, "got": got.device}),
        ))
    if native.grad_fn is not None and got.grad_fn is None:
        return Comparison(Mismatch(summary=("graph_cut", {"path": path}), hint="hint.graph_cut"))
    if not values:
        return Comparison()
    return _compare_values(e, exact.value if exact.is_tensor else e, g, tol, path, got.device)


def allowed_error(native: torch.Tensor, exact: torch.Tensor, dtype: torch.dtype, tol: Tolerance,
                  device: str) -> tuple[torch.Tensor, torch.Tensor, tuple[float, float]]:
    """What a result of `dtype` may differ from the reference by, element by element: the reference's values
    widened (float64 or complex128), the allowed absolute difference of each, and (rtol, atol) with atol
    including the slack for a reference whose native run differs from its float64 one (SLACK_FACTOR)."""
    wide = torch.complex128 if dtype.is_complex else torch.float64
    rtol, atol = tolerance_for(_real_dtype(dtype), tol, device)
    ref = exact.to(wide)
    if exact.dtype != native.dtype:
        both = torch.isfinite(ref) & torch.isfinite(native.to(wide))
        if bool(both.any()):
            atol += SLACK_FACTOR * float((native.to(wide) - ref)[both].abs().max())
    return ref, atol + rtol * ref.abs(), (rtol, atol)


def _compare_values(
    native: torch.Tensor, exact: torch.Tensor, got: torch.Tensor, tol: Tolerance, path: str, device: str
) -> Comparison:
    """Element by element: exact for integers and bools, within the tolerance for floats and complex.

    A non-finite expected value must be matched exactly (NaN by NaN, inf by the same inf); a NaN or
    inf where a number is expected is a difference whose margin is inf and whose `where` names it.
    """
    if native.numel() == 0:
        return Comparison()
    if tuple(exact.shape) != tuple(native.shape):  # the float64 run should give the same shape
        exact = native
    if not (got.is_floating_point() or got.is_complex()):
        bad = got != exact.to(got.dtype)
        err = (got.double() - exact.double()).abs()
        score = torch.where(bad, err + 1.0, torch.full_like(err, -1.0))
        margin = float(bad.any())
        allowed_text = "0"
        nonfinite = torch.zeros_like(bad)
    else:
        ref, allowed, (rtol, atol) = allowed_error(native, exact, got.dtype, tol, device)
        gd = got.to(ref.dtype)
        err = (gd - ref).abs()
        finite_ref = torch.isfinite(ref)
        close = finite_ref & (err <= allowed)
        same = _same(gd.real, ref.real) & _same(gd.imag, ref.imag) if gd.is_complex() else _same(gd, ref)
        same_nonfinite = ~finite_ref & same
        bad = ~(close | same_nonfinite)
        nonfinite = bad & ~(finite_ref & torch.isfinite(gd))
        ratio = torch.where(err == 0, torch.zeros_like(err), err / allowed)  # 0/0 when allowed is 0
        ratio = torch.where(nonfinite, torch.full_like(err, math.inf), torch.where(bad | close, ratio, 0.0))
        margin = float(ratio.max())
        score = torch.where(nonfinite, torch.full_like(err, math.inf), torch.where(bad, err, -1.0))
        allowed_text = keys.call("describe.allowed", atol=f"{atol:.2g}", rtol=f"{rtol:.2g}")
    if not bool(bad.any()):
        return Comparison(margin=margin)
    count, total = int(bad.sum()), bad.numel()
    flat = int(torch.argmax(score.reshape(-1)))  # the first non-finite difference, else the largest
    index = tuple(int(i) for i in torch.unravel_index(torch.tensor(flat), bad.shape)) if bad.dim() else ()
    e_val, g_val = exact.reshape(-1)[flat].item(), got.reshape(-1)[flat].item()
    if bool(nonfinite.reshape(-1)[flat]):
        where = ("where_nonfinite", {"index": index, "expected": _fmt_num(e_val), "got": _fmt_num(g_val)})
        hint: str | None = "hint.nonfinite"
    else:
        where = ("where_index", {"index": index, "expected": _fmt_num(e_val), "got": _fmt_num(g_val),
                                 "diff": f"{abs(g_val - e_val):.3g}", "allowed": allowed_text})
        hint = None
    shown = exact.to(got.dtype) if got.is_floating_point() or got.is_complex() else exact
    return Comparison(
        Mismatch(
            summary=("values_differ", {"path": path, "count": count, "total": total,
                                       "percent": f"{100.0 * count / total:.1f}"}),
            expected=("tensor_values", {"text": show(shown)}),
            got=("tensor_values", {"text": show(got)}),
            where=where,
            hint=hint,
        ),
        margin=margin,
    )


def _same(got: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
    """Equal, a NaN matched by a NaN (a complex number part by part, as torch.testing does)."""
    return (got == ref) | (torch.isnan(got) & torch.isnan(ref))


def _real_dtype(dtype: torch.dtype) -> torch.dtype:
    """The dtype whose tolerances apply: a complex dtype's real part (torch.testing does the same)."""
    return {torch.complex32: torch.float16, torch.complex64: torch.float32,
            torch.complex128: torch.float64}.get(dtype, dtype)


def _compare_number(native: Observed, exact: Observed, got: Observed, tol: Tolerance, path: str) -> Comparison:
    if got.type not in ("float", "int") and not got.type.startswith("numpy."):
        return _wrong_type(native, got, path)
    if not isinstance(got.value, (int, float)) or isinstance(got.value, bool):
        return _wrong_type(native, got, path)
    def as_tensor(obs: Observed) -> torch.Tensor:
        return torch.tensor(float(obs.value), dtype=torch.float64)

    exact_value = exact if exact.type in ("float", "int") else native
    # Python floats in these exercises come from float32 tensors (loss.item()).
    e32 = as_tensor(native).float()
    result = _compare_values(e32, as_tensor(exact_value), as_tensor(got).float(), tol, path, "cpu")
    if result.mismatch is not None:
        result.mismatch.expected = ("plain", {"text": _fmt_num(float(exact_value.value))})
        result.mismatch.got = ("plain", {"text": _fmt_num(float(got.value))})
        result.mismatch.where = None
    return result


def _compare_sequence(native: Observed, exact: Observed, got: Observed, tol: Tolerance, values: bool,
                      path: str) -> Comparison:
    if not isinstance(got.value, list):
        return _wrong_type(native, got, path)
    n_expected = native.length or len(native.value)
    n_got = got.length or len(got.value)
    if n_expected != n_got:
        return Comparison(Mismatch(summary=("wrong_length", {"path": path, "expected": n_expected, "got": n_got})))
    exact_items = exact.value if isinstance(exact.value, list) else native.value
    margin = 0.0
    for i, (n, x, g) in enumerate(zip(native.value, exact_items, got.value)):
        result = compare(n, x, g, tol, values=values, path=f"{path}[{i}]")
        if result.mismatch is not None:
            return result
        margin = max(margin, result.margin)
    return Comparison(margin=margin)


def _compare_mapping(native: Observed, exact: Observed, got: Observed, tol: Tolerance, values: bool,
                     path: str) -> Comparison:
    if not isinstance(got.value, dict):
        return _wrong_type(native, got, path)
    if set(native.value) != set(got.value):
        missing = sorted(set(native.value) - set(got.value))
        extra = sorted(set(got.value) - set(native.value))
        return Comparison(Mismatch(summary=("wrong_keys", {"path": path, "missing": missing, "extra": extra})))
    exact_items = exact.value if isinstance(exact.value, dict) else native.value
    margin = 0.0
    for key in native.value:
        result = compare(native.value[key], exact_items[key], got.value[key], tol, values=values,
                         path=f"{path}[{key!r}]")
        if result.mismatch is not None:
            return result
        margin = max(margin, result.margin)
    return Comparison(margin=margin)


def _dt(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


def _shape_hint(expected: tuple[int, ...], got: tuple[int, ...]) -> str | None:
    if got == () and expected != ():
        return "hint.reduced"
    if len(got) > len(expected) or any(e == 1 and g > 1 for e, g in zip(expected, got)):
        return "hint.broadcast_blowup"
    if sorted(got) == sorted(expected):
        return "hint.transposed"
    if len(got) == len(expected) and any(g == 1 and e != 1 for e, g in zip(expected, got)):
        return "hint.reduced_dim"
    return None


FACTOR_RTOL = 1e-4  # how exactly every value must be the same multiple of the expected one
MAX_FACTOR = 10**6  # the largest N of "N×" recognised (a number of elements, a batch size)


def constant_factor(expected: Observed, got: Observed) -> Message | None:
    """Whether every value `got` is the same multiple of the expected one: ½, 2, N or 1/N (a sum instead of
    a mean, a factor left in or out), as the `where` part of a feedback; None otherwise.

    `expected` holds floating-point values (counts of things are not scaled results): a tensor, a float, or
    a list of them; `got` the same or integers. Values that are all zero tell nothing.
    """
    e, g = _numbers(expected, floating=True), _numbers(got)
    if e is None or g is None or e.numel() != g.numel() or e.numel() == 0:
        return None
    if not bool(torch.isfinite(e).all() and torch.isfinite(g).all()):
        return None
    largest = int(e.abs().argmax())
    if float(e[largest]) == 0.0:
        return None
    ratio = float(g[largest]) / float(e[largest])
    if not math.isfinite(ratio) or ratio <= 0 or abs(ratio - 1.0) <= FACTOR_RTOL:
        return None
    if float((g - ratio * e).abs().max()) > FACTOR_RTOL * abs(ratio) * float(e.abs().max()):
        return None
    for value, kind in ((ratio, "up"), (1.0 / ratio, "down")):
        n = round(value)
        if 2 <= n <= MAX_FACTOR and abs(value - n) <= FACTOR_RTOL * n:
            if n == 2:
                return ("factor_double", {}) if kind == "up" else ("factor_half", {})
            return ("factor_sum", {"factor": n}) if kind == "up" else ("factor_mean", {"factor": n})
    return None


def _numbers(obs: Observed, *, floating: bool = False) -> torch.Tensor | None:
    """The values of a tensor, a number or a (nested) list of them, flat, in float64; None for anything else
    (and, with `floating`, for integers)."""
    if obs.is_tensor:
        value = obs.value
        if not isinstance(value, torch.Tensor) or value.is_complex() or value.device.type == "meta" \
                or (floating and not value.is_floating_point()):
            return None
        return value.detach().to("cpu", torch.float64).reshape(-1)
    if type(obs.value) in ((float,) if floating else (int, float)):
        return torch.tensor([float(obs.value)], dtype=torch.float64)
    if isinstance(obs.value, list):
        parts = [_numbers(item, floating=floating) if isinstance(item, Observed) else None for item in obs.value]
        if not parts or any(part is None for part in parts):
            return None
        return torch.cat([p for p in parts if p is not None])
    return None
