"""Comparison: tolerances, the facts in messages, and what is never trusted."""

from __future__ import annotations

import pytest
import torch

from grader.compare import compare, constant_factor
from grader.sandbox import protocol
from grader.sandbox.protocol import observe
from grader.spec import Tolerance


def sides(native: object, exact: object, got: object, tol: Tolerance = Tolerance(), values: bool = True):
    return compare(observe(native), observe(exact), observe(got), tol, values=values)


def matmul_case(k: int):
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(64, k, generator=gen)
    w = torch.randn(32, k, generator=gen)
    return x, w


@pytest.mark.parametrize("k", [16, 512, 4096])
def test_correct_float32_reformulation_passes_at_any_reduction_size(k):
    x, w = matmul_case(k)
    native = x @ w.T
    exact = x.double() @ w.double().T
    other_order = (x[:, None, :] * w[None, :, :]).sum(-1)  # same maths, other rounding
    result = sides(native, exact, other_order, Tolerance(reduction=k))
    assert result.mismatch is None
    assert result.margin < 1


def test_one_wrong_element_is_found_with_its_index_and_count():
    x, w = matmul_case(512)
    exact = x.double() @ w.double().T
    got = (x @ w.T).clone()
    got[3, 7] += 0.05
    result = sides(x @ w.T, exact, got, Tolerance(reduction=512))
    assert result.mismatch is not None
    summary_id, facts = result.mismatch.summary
    assert summary_id == "values_differ"
    assert (facts["count"], facts["total"], facts["percent"]) == (1, 2048, "0.0")
    assert result.mismatch.where[1]["index"] == (3, 7)
    assert result.margin > 1


def test_shape_mismatch_names_both_shapes_and_hints_at_a_reduction():
    result = sides(torch.ones(5), torch.ones(5, dtype=torch.float64), torch.tensor(1.0))
    assert result.mismatch.summary == ("wrong_shape", {"path": "", "expected": (5,), "got": ()})
    assert result.mismatch.hint == "hint.reduced"


def test_broadcast_blowup_is_named():
    result = sides(torch.ones(4), torch.ones(4, dtype=torch.float64), torch.ones(4, 4))
    assert result.mismatch.hint == "hint.broadcast_blowup"


def test_dtype_mismatch_is_a_failure_even_with_equal_values():
    result = sides(torch.ones(3), torch.ones(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64))
    assert result.mismatch.summary[0] == "wrong_dtype"


def test_python_number_instead_of_tensor_hints_at_item():
    result = sides(torch.ones(3), torch.ones(3, dtype=torch.float64), 3.0)
    assert result.mismatch.summary[0] == "wrong_type"
    assert result.mismatch.hint == "hint.item_result"


def test_detached_result_is_a_graph_cut():
    x = torch.ones(3, requires_grad=True)
    result = sides(x * 2, (x * 2).double(), (x * 2).detach())
    assert result.mismatch.summary[0] == "graph_cut"


def test_values_false_compares_only_the_kind_of_result():
    assert sides(torch.ones(3), torch.ones(3, dtype=torch.float64), torch.zeros(3), values=False).mismatch is None
    assert sides(torch.ones(3), torch.ones(3, dtype=torch.float64), torch.zeros(3)).mismatch is not None


def test_nan_where_a_number_is_expected_fails_and_matching_nan_passes():
    expected = torch.tensor([1.0, float("nan")])
    assert sides(expected, expected.double(), torch.tensor([float("nan"), float("nan")])).mismatch is not None
    assert sides(expected, expected.double(), expected.clone()).mismatch is None


def test_integer_tensors_must_match_exactly():
    assert sides(torch.tensor([1, 2]), torch.tensor([1, 2]), torch.tensor([1, 3])).mismatch is not None


def test_lists_of_floats_compare_elementwise_with_the_position():
    result = sides([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], [1.0, 2.5, 3.0])
    assert result.mismatch is not None and result.mismatch.summary[1]["path"] == "[1]"
    assert sides([1.0, 2.0], [1.0, 2.0], [1.0, 2.0, 3.0]).mismatch.summary[0] == "wrong_length"


class LyingTensor(torch.Tensor):
    """The otter exploit: every comparison says 'close'."""

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        if func in (torch.isclose, torch.allclose, torch.eq, torch.Tensor.__eq__, torch.Tensor.eq):
            return True if func is torch.allclose else torch.ones(1, dtype=torch.bool)
        return super().__torch_function__(func, types, args, kwargs or {})


def test_tensor_subclass_is_rejected_whatever_its_values():
    liar = torch.zeros(3).as_subclass(LyingTensor)
    result = sides(torch.ones(3), torch.ones(3, dtype=torch.float64), liar)
    assert result.mismatch.summary[0] == "subclass"
    assert observe(liar).type.endswith("LyingTensor")
    assert type(observe(liar).value) is torch.Tensor  # only plain data survives


def _roundtrip(values: dict):
    facts, chunks = protocol.encode({k: observe(v) for k, v in values.items()})
    return facts, b"".join(bytes(c) for c in chunks)


def test_observations_round_trip_through_the_message_format():
    values = {"out": torch.arange(6.0).reshape(2, 3), "losses": [1.0, 2.0], "name": "x", "none": None}
    back = protocol.decode(*_roundtrip(values))
    assert torch.equal(back["out"].value, values["out"]) and type(back["out"].value) is torch.Tensor
    assert [o.value for o in back["losses"].value] == [1.0, 2.0]
    assert back["name"].value == "x" and back["none"].type == "NoneType"


def test_a_forged_tensor_header_pointing_outside_the_bytes_is_refused():
    facts, blob = _roundtrip({"out": torch.ones(4)})
    facts["tensors"][0]["nbytes"] = 10**9
    with pytest.raises(protocol.Malformed):
        protocol.decode(facts, blob)


def test_a_forged_value_that_contradicts_its_type_is_refused():
    facts, blob = _roundtrip({"loss": 1.5})
    facts["values"]["loss"]["value"] = {"tensor": 0}
    with pytest.raises(protocol.Malformed):
        protocol.decode(facts, blob)


NAN, INF = float("nan"), float("inf")


def test_a_nan_where_a_number_is_expected_is_named_with_its_index_and_the_expected_value():
    expected = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    got = expected.clone()
    got[1, 0] = NAN
    result = sides(expected, expected.double(), got)
    assert result.mismatch.summary == ("values_differ", {"path": "", "count": 1, "total": 4, "percent": "25.0"})
    assert result.mismatch.where == ("where_nonfinite", {"index": (1, 0), "expected": "3", "got": "nan"})
    assert result.mismatch.hint == "hint.nonfinite"
    assert result.margin == INF


def test_the_first_non_finite_difference_is_named_before_larger_finite_ones():
    expected = torch.tensor([1.0, 2.0, 3.0])
    result = sides(expected, expected.double(), torch.tensor([100.0, -INF, 3.0]))
    assert result.mismatch.where == ("where_nonfinite", {"index": (1,), "expected": "2", "got": "-inf"})
    assert result.mismatch.summary[1]["count"] == 2


def test_an_infinite_expected_value_must_be_matched_by_the_same_infinity():
    expected = torch.tensor([1.0, INF, -INF])
    assert sides(expected, expected.double(), expected.clone()).mismatch is None
    finite = sides(expected, expected.double(), torch.tensor([1.0, 1e30, -INF]))
    assert finite.mismatch.where == ("where_nonfinite", {"index": (1,), "expected": "inf", "got": "1e+30"})
    assert sides(expected, expected.double(), torch.tensor([1.0, INF, INF])).mismatch is not None
    assert sides(1.0 * INF, INF, 3.0).mismatch is not None  # a Python float too


def test_a_nan_expected_must_be_matched_by_a_nan():
    expected = torch.tensor([NAN, 1.0])
    result = sides(expected, expected.double(), torch.tensor([0.0, 1.0]))
    assert result.mismatch.where == ("where_nonfinite", {"index": (0,), "expected": "nan", "got": "0"})


def test_a_meta_tensor_is_reported_as_a_tensor_without_data():
    got = observe(torch.empty(3, 2, device="meta"))
    assert got.device == "meta" and got.value == "shape (3, 2), float32"
    result = compare(observe(torch.ones(3, 2)), observe(torch.ones(3, 2)), got, Tolerance())
    assert result.mismatch.summary == ("no_data", {"path": "", "device": "meta"})
    assert result.mismatch.hint == "hint.meta"
    assert compare(observe(torch.ones(3, 2)), observe(torch.ones(3, 2)), got, Tolerance(),
                   values=False).mismatch.summary[0] == "no_data"


def test_a_meta_tensor_crosses_the_process_boundary():
    back = protocol.decode(*_roundtrip({"out": torch.empty(4, device="meta", dtype=torch.float16)}))
    assert back["out"].type == "torch.Tensor" and back["out"].device == "meta"
    assert back["out"].value == "shape (4,), float16"


def test_complex_values_are_compared_as_complex_numbers_with_their_real_dtype_tolerance():
    expected = torch.tensor([1 + 1j, 2 - 1j], dtype=torch.complex64)
    assert sides(expected, expected.to(torch.complex128), expected.clone()).mismatch is None
    close = expected + 1e-7j  # within float32's tolerance
    assert sides(expected, expected.to(torch.complex128), close).mismatch is None
    wrong = expected.clone()
    wrong[1] = 2 + 1j  # only the imaginary part differs
    result = sides(expected, expected.to(torch.complex128), wrong)
    assert result.mismatch.where[1]["index"] == (1,) and result.mismatch.where[1]["got"] == "(2+1j)"


def test_sparse_non_contiguous_zero_dim_and_empty_results_get_a_verdict():
    x = torch.arange(6.0).reshape(2, 3)
    assert sides(x, x.double(), x.to_sparse()).mismatch is None  # the values are right
    assert sides(x.T, x.T.double(), x.T.contiguous()).mismatch is None
    assert sides(x.T.contiguous(), x.T.double(), x.T).mismatch is None
    assert sides(torch.tensor(2.0), torch.tensor(2.0, dtype=torch.float64), torch.tensor(2.5)).mismatch.where[1][
        "index"] == ()
    assert sides(torch.ones(0, 3), torch.ones(0, 3).double(), torch.ones(0, 3)).mismatch is None
    assert sides(torch.ones(0, 3), torch.ones(0, 3).double(), torch.ones(3, 0)).mismatch.summary[0] == "wrong_shape"


def test_bool_and_integer_results_are_exact_and_never_compared_to_floats():
    flags = torch.tensor([True, False])
    assert sides(flags, flags, torch.tensor([True, True])).mismatch.where[1]["index"] == (1,)
    assert sides(flags, flags, flags.float()).mismatch.summary[0] == "wrong_dtype"
    big = torch.tensor([2**62])
    assert sides(big, big, big + 1).mismatch.where[1]["diff"] == "1"


def test_a_kept_dimension_of_size_one_hints_at_a_reduction():
    result = sides(torch.ones(4, 5), torch.ones(4, 5).double(), torch.ones(4, 1))
    assert result.mismatch.hint == "hint.reduced_dim"


def test_margins_under_a_zero_tolerance_are_zero_or_infinite():
    x = torch.tensor([1.0, 2.0])
    exact = sides(x, x.double(), x.clone(), Tolerance(rtol=0.0, atol=0.0))
    assert exact.mismatch is None and exact.margin == 0.0
    off = sides(x, x.double(), x + 1e-3, Tolerance(rtol=0.0, atol=0.0))
    assert off.mismatch is not None and off.margin == INF  # not the largest float: JSON writes it as null


def test_a_one_element_view_with_a_stride_crosses_the_process_boundary():
    view = torch.stack([torch.tensor([3], dtype=torch.int16)] * 2, dim=-1)[..., 0]  # shape (1,), stride (2,)
    back = protocol.decode(*_roundtrip({"out": view}))
    assert torch.equal(back["out"].value, view)


# ---------------------------------------------------------------- a constant factor between expected and got

VALUES = torch.randn(4, 6, generator=torch.Generator().manual_seed(3))


@pytest.mark.parametrize(("got", "factor"), [
    (VALUES * 2, ("factor_double", {})),
    (VALUES / 2, ("factor_half", {})),
    (VALUES * 24, ("factor_sum", {"factor": 24})),
    (VALUES / 24, ("factor_mean", {"factor": 24})),
    (VALUES.sum() * 0 + VALUES.mean() * 24, None),  # one value against many: no factor
    (VALUES * 2.5, None),
    (VALUES * -2, None),
    (VALUES, None),
    (VALUES * 2 + 0.01, None),
    (torch.full_like(VALUES, float("nan")), None),
])
def test_a_constant_factor_is_recognised_only_where_every_value_has_it(got, factor):
    assert constant_factor(observe(VALUES.double()), observe(got)) == factor


def test_a_constant_factor_between_numbers_and_lists_of_them():
    assert constant_factor(observe(0.625), observe(5)) == ("factor_sum", {"factor": 8})
    assert constant_factor(observe([0.5, 0.25]), observe([1.0, 0.5])) == ("factor_double", {})
    assert constant_factor(observe(4), observe(8)) is None  # counts of things: no scale to speak of
    assert constant_factor(observe(torch.zeros(3)), observe(torch.zeros(3))) is None
    assert constant_factor(observe([1.0, "a"]), observe([2.0, "b"])) is None


# ---------------------------------------------------------------- what a value is, in the report's language

def _said(mismatch: object, lang: str) -> str:
    from grader.report import message_lines
    from grader.results import Feedback

    parts = {part: getattr(mismatch, part) for part in ("summary", "expected", "got", "where")}
    return "\n".join(f"{label} {line}" for label, line in message_lines(Feedback(**parts), lang))


@pytest.mark.parametrize(("native", "got", "english_words", "japanese_words"), [
    (torch.ones(5), torch.ones(4), "torch.Tensor of shape (5,), float32", "形状 (5,)、float32 の torch.Tensor"),
    (torch.ones(3), [1.0, 2.0], "list of length 2", "長さ 2 の list"),
    ({"a": torch.ones(1)}, 5, "dict with keys ['a']", "キー ['a'] を持つ dict"),
    (torch.ones(3), torch.ones(3, device="meta"), "torch.Tensor on device meta", "デバイス meta 上の torch.Tensor"),
    (torch.ones(3), torch.tensor([1.0, 2.0, 1.0]), "1.3e-06·|expected|", "1.3e-06·|期待値|"),
], ids=["tensor", "list", "dict", "no data", "allowed"])
def test_what_a_value_is_is_said_in_the_reports_language(native, got, english_words, japanese_words):
    from test_japanese import english

    result = sides(native, native, got)
    assert result.mismatch is not None
    en, ja = _said(result.mismatch, "en"), _said(result.mismatch, "ja")
    assert english_words in en and japanese_words not in en
    assert japanese_words in ja and english_words not in ja
    assert english(ja) == [], ja


def test_compare_observations_compares_the_keys_named_in_their_order():
    from grader import keys
    from grader.compare import compare_observations

    native = {"a": observe(torch.ones(2)), "b": observe(torch.zeros(2)),
              keys.gradient("x", of="a"): observe(torch.ones(2))}
    got = {"a": observe(torch.ones(2)), "b": observe(torch.ones(2))}
    assert compare_observations(native, native, got, Tolerance(), only=["a"]).mismatch is None
    differs = compare_observations(native, native, got, Tolerance(), only=["b", "a"])
    assert differs.called == "b" and differs.mismatch.summary[0] == "values_differ"
    assert compare_observations(native, native, got, Tolerance(), values=False, only=["a", "b"]).mismatch is None
    missing = compare_observations(native, native, {"a": got["a"]}, Tolerance(), only=["a", "b"])
    assert (missing.called, missing.mismatch.summary[0]) == ("b", "not_observed")
    no_grad = compare_observations(native, native, {**got, "b": observe(torch.zeros(2))}, Tolerance())
    assert no_grad.mismatch.summary == ("no_gradient", {"name": "x"})


def test_close_decides_one_number_as_compare_does():
    from grader.compare import close

    tol = Tolerance(rtol=1e-4, atol=1e-6)
    assert close(1.0 + 1e-4, 1.0, tol) and not close(1.0 + 2e-4, 1.0, tol)
    assert close(1.0 + 1e-6, 1.0, Tolerance()) and not close(1.0 + 1e-4, 1.0, Tolerance())  # float32's defaults
    assert not close(1.0 + 1e-6, 1.0, Tolerance(), dtype=torch.float64)
