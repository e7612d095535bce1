"""Properties over generated inputs (hypothesis): comparison, the worker's message format, notebook reading.

Runs derandomised by default, so CI sees the same examples on every run; HYPOTHESIS_PROFILE=explore
draws new ones (and more) on a developer's machine.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import pytest
import torch
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from test_submission import NOTEBOOK

from grader.compare import Comparison, compare, tolerance_for
from grader.errors import GraderError
from grader.report import message_lines, to_json
from grader.results import CheckResult, ExerciseReport, Feedback, Status
from grader.sandbox import protocol
from grader.sandbox.protocol import Malformed, Observed, observe
from grader.spec import Tolerance
from grader.submission import Source, prepared
from grader.text import dumps, printable

settings.register_profile("ci", max_examples=200, deadline=None, derandomize=True, database=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("explore", max_examples=2000, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

FLOATS = [torch.float16, torch.bfloat16, torch.float32, torch.float64]
COMPLEX = [torch.complex64, torch.complex128]
INTEGERS = [torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64]
DTYPES = FLOATS + COMPLEX + INTEGERS + [torch.bool]
SPECIAL = [math.nan, math.inf, -math.inf, 0.0, -0.0, 1e-30, 65504.0]


# ---------------------------------------------------------------- strategies


@st.composite
def tensors(draw: st.DrawFn, dtypes: list[torch.dtype] = DTYPES) -> torch.Tensor:
    """Any dtype, 0-d to 4-d shapes (empty ones too), NaN/inf among floats, sometimes a non-contiguous view."""
    dtype = draw(st.sampled_from(dtypes))
    shape = tuple(draw(st.lists(st.integers(0, 4), max_size=4)))
    n = math.prod(shape)
    if dtype.is_floating_point or dtype.is_complex:
        number = st.floats(-1e4, 1e4) | st.sampled_from(SPECIAL)
        parts = [draw(st.lists(number, min_size=n, max_size=n)) for _ in range(2 if dtype.is_complex else 1)]
        data = torch.tensor(parts[0], dtype=torch.float64)
        if dtype.is_complex:
            data = torch.complex(data, torch.tensor(parts[1], dtype=torch.float64))
    elif dtype is torch.bool:
        data = torch.tensor(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=torch.bool)
    else:
        info = torch.iinfo(dtype)
        data = torch.tensor(draw(st.lists(st.integers(info.min, info.max), min_size=n, max_size=n)), dtype=dtype)
    t = data.to(dtype).reshape(shape)
    view = draw(st.sampled_from(["as is", "transposed", "strided"]))
    if view == "transposed" and t.dim() >= 2:
        t = t.transpose(0, -1)
    elif view == "strided":
        t = torch.stack([t, t], dim=-1)[..., 0]
    return t


def wide(t: torch.Tensor) -> torch.Tensor:
    """The float64 run's version of a result: floats upcast, the rest as they are."""
    if t.is_complex():
        return t.to(torch.complex128)
    return t.double() if t.is_floating_point() else t


scalars = (st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=True)
           | st.text(max_size=20) | st.sampled_from([1e308, -1e308, math.nan, math.inf]))
values = st.recursive(
    scalars | tensors() | st.builds(lambda shape: torch.empty(shape, device="meta"), st.lists(st.integers(0, 3), max_size=3)),
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
    | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
tolerances = (st.builds(Tolerance, reduction=st.integers(1, 10_000))
              | st.builds(Tolerance, rtol=st.floats(0, 1), atol=st.floats(0, 1), reduction=st.integers(1, 10_000)))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


# ---------------------------------------------------------------- (a) comparison


@given(tensors())
def test_a_tensor_compared_with_itself_passes(t: torch.Tensor) -> None:
    native, got = observe(t), observe(t.clone())
    result = compare(native, observe(wide(t)), got, Tolerance())
    assert result.mismatch is None, result.mismatch
    assert result.margin == 0.0


@given(tensors(), st.data())
def test_a_perturbation_beyond_tolerance_fails_at_its_index(t: torch.Tensor, data: st.DataObject) -> None:
    assume(t.numel() > 0)
    flat = data.draw(st.integers(0, t.numel() - 1))
    index = tuple(int(i) for i in torch.unravel_index(torch.tensor(flat), t.shape)) if t.dim() else ()
    got = t.clone()
    expected = t[index].item()
    if t.dtype is torch.bool:
        got[index] = not expected
    elif not (t.is_floating_point() or t.is_complex()):
        got[index] = expected + 1 if expected < torch.iinfo(t.dtype).max else expected - 1
    else:
        real = expected.real if isinstance(expected, complex) else expected
        changed = real + max(1.0, abs(real)) if math.isfinite(real) else 0.0
        got[index] = complex(changed, expected.imag) if isinstance(expected, complex) else changed
    result = compare(observe(t), observe(wide(t)), observe(got), Tolerance())
    assert result.mismatch is not None
    assert result.mismatch.summary[0] == "values_differ" and result.mismatch.summary[1]["count"] == 1
    assert result.mismatch.where[1]["index"] == index
    assert result.margin >= 1  # 1 for an exact (integer) comparison


def render(result: Comparison) -> str:
    """The mismatch as the student reads it, and as the JSON report writes it."""
    if result.mismatch is None:
        return ""
    m = result.mismatch
    feedback = Feedback(summary=m.summary, expected=m.expected, got=m.got, where=m.where, hint=m.hint)
    check = CheckResult(id="c", title="c", status=Status.FAILED, score=0, max_score=1, feedback=feedback,
                        margin=result.margin)
    report = ExerciseReport(exercise="sq_loss", title="t", file="f.py", device="cpu", checks=[check])
    json.loads(dumps(to_json(report)), parse_constant=lambda name: pytest.fail(f"non-strict JSON {name}"))
    return "\n".join(line for _, line in message_lines(feedback, "en") + message_lines(feedback, "ja"))


@given(values, values, tolerances, st.booleans())
@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
def test_comparing_any_two_observations_gives_a_verdict(expected: Any, got: Any, tol: Tolerance, full: bool) -> None:
    native = observe(expected)
    result = compare(native, observe(_upcast(expected)), _through_the_boundary(observe(got)), tol, values=full)
    assert isinstance(result, Comparison)
    shown = render(result)
    assert shown == printable(shown)  # nothing left to escape


def _upcast(value: Any) -> Any:
    return wide(value) if isinstance(value, torch.Tensor) and value.device.type != "meta" else value


def _through_the_boundary(obs: Observed) -> Observed:
    """What the grader gets: the observation encoded by the worker and decoded."""
    facts, chunks = protocol.encode({"v": obs})
    return protocol.decode(json.loads(json.dumps(facts)), b"".join(bytes(c) for c in chunks))["v"]


@given(tensors(FLOATS + COMPLEX), tolerances)
def test_the_allowed_error_is_finite_and_not_negative(t: torch.Tensor, tol: Tolerance) -> None:
    rtol, atol = tolerance_for(t.dtype, tol, "cpu")
    assert math.isfinite(rtol) and math.isfinite(atol) and rtol >= 0 and atol >= 0


# ---------------------------------------------------------------- (b) the worker's message


tensor_metas = st.fixed_dictionaries({
    "dtype": st.sampled_from([*protocol.DTYPES, "float8", "", "int128"]) | st.text(max_size=5),
    "shape": st.lists(st.integers(-2, 2**64) | st.sampled_from([0, 1, 2, 2**62, 2**63]), max_size=5) | json_values,
    "offset": st.integers(-1, 64) | json_values,
    "nbytes": st.integers(-1, 64) | json_values,
})
observation = st.fixed_dictionaries({
    "type": st.sampled_from(["torch.Tensor", "float", "int", "list", "dict", "str", "NoneType", "bool", "x.Y"])
    | json_values,
    "value": json_values | st.fixed_dictionaries({"tensor": st.integers(-1, 3) | json_values}),
    "requires_grad": json_values, "grad_fn": json_values, "device": json_values, "length": json_values,
})
facts_strategy = json_values | st.fixed_dictionaries({
    "values": st.dictionaries(st.text(max_size=5), observation | json_values, max_size=4),
    "tensors": st.lists(tensor_metas | json_values, max_size=4),
})


def _empty(shape: list[int]) -> dict[str, Any]:
    return {"values": {"v": {"type": "torch.Tensor", "value": {"tensor": 0}}},
            "tensors": [{"dtype": "float32", "shape": shape, "offset": 0, "nbytes": 0}]}


@given(facts_strategy, st.binary(max_size=128))
@example(_empty([2**62, 2**62, 0]), b"")  # no element, but a storage size that overflows
@example(_empty([2**63, 0]), b"")  # a dimension beyond int64
def test_decoding_anything_gives_observations_or_malformed(facts: Any, blob: bytes) -> None:
    try:
        decoded = protocol.decode(facts, blob)
    except ValueError:  # Malformed, or another ValueError of the same family
        return
    for obs in decoded.values():
        _check_bounded(obs, len(blob))


def _check_bounded(obs: Observed, blob_size: int) -> None:
    """Every tensor decoded is made of bytes that came in the blob: nothing allocated beyond it."""
    assert isinstance(obs, Observed)
    if isinstance(obs.value, torch.Tensor):
        assert obs.value.numel() * obs.value.element_size() <= blob_size
    elif isinstance(obs.value, list):
        for item in obs.value:
            _check_bounded(item, blob_size)
    elif isinstance(obs.value, dict):
        for item in obs.value.values():
            _check_bounded(item, blob_size)


@given(values)
def test_what_the_worker_encodes_decodes_to_the_same_facts(value: Any) -> None:
    obs = observe(value)
    back = _through_the_boundary(obs)
    assert back.type == obs.type and back.device == obs.device
    if obs.is_tensor:
        assert torch.equal(back.value.nan_to_num(), obs.value.nan_to_num()) or obs.value.is_complex()


# ---------------------------------------------------------------- (c) reading a notebook


def _read(path: Path) -> Source | None:
    """`prepared` on the file: the Source, or None after a GraderError that names the file."""
    try:
        with prepared(path, "sq_loss") as source:
            assert isinstance(source, Source)
            cells = json.loads(source.path.read_text(encoding="utf-8")) if source.notebook else None
            assert cells is None or all(isinstance(c, str) for c in cells)
            return source
    except GraderError as exc:
        assert str(path) in str(exc)
        assert "Traceback" not in str(exc)
        return None


@given(st.binary(max_size=512))
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_bytes_as_a_notebook_give_cells_or_a_clear_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "any.ipynb"
    path.write_bytes(content)
    _read(path)


@given(json_values | st.fixed_dictionaries({
    "nbformat": st.integers(-1, 5) | json_values, "nbformat_minor": st.integers(-1, 6) | json_values,
    "metadata": json_values,
    "cells": st.lists(st.fixed_dictionaries({"cell_type": st.sampled_from(["code", "markdown", "raw"]) | json_values,
                                             "source": st.text(max_size=10) | json_values,
                                             "metadata": json_values}) | json_values, max_size=3) | json_values,
}))
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_json_as_a_notebook_gives_cells_or_a_clear_error(tmp_path: Path, content: Any) -> None:
    path = tmp_path / "json.ipynb"
    path.write_text(json.dumps(content), encoding="utf-8")
    _read(path)


@given(st.integers(0, len(NOTEBOOK.encode())), st.binary(max_size=4))
@example(end=NOTEBOOK.encode().index("é".encode()) + 1, tail=b"")  # inside a two-byte character
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_a_truncated_or_garbled_notebook_gives_cells_or_says_it_is_cut(tmp_path: Path, end: int, tail: bytes) -> None:
    path = tmp_path / "cut.ipynb"
    data = NOTEBOOK.encode()[:end] + tail
    path.write_bytes(data)
    source = _read(path)
    if source is None and not tail:
        with pytest.raises(GraderError, match="cut off|empty"):
            with prepared(path, "sq_loss"):
                pass


@given(st.binary(max_size=256))
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_bytes_as_a_python_file_give_a_source(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "any.py"
    path.write_bytes(content)
    assert _read(path) is not None
