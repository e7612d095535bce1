"""conv2d_single: the reference is F.conv2d's cross-correlation, and a flipped kernel is named as such."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from conftest import checks_of, mutant_path, reference_path
from grader import api
from grader.bank.folder import load_module
from grader.results import Status

conv = checks_of("conv2d_single")


@pytest.fixture(scope="module")
def conv2d_single():
    return load_module(reference_path("conv2d_single"), "test_conv2d_single_reference").conv2d_single


@pytest.mark.parametrize("shape,kernel,padding,stride", [
    ((5, 5), (3, 3), 0, 1), ((6, 7), (3, 2), 1, 1), ((8, 9), (2, 3), 0, 3), ((6, 5), (3, 2), 2, 2),
    ((4, 4), (4, 4), 0, 1), ((7, 3), (1, 1), 1, 2),
])
def test_the_reference_is_f_conv2d(conv2d_single, shape, kernel, padding, stride):
    gen = torch.Generator().manual_seed(0)
    image = torch.randn(shape, generator=gen, dtype=torch.float64)
    k = torch.randn(kernel, generator=gen, dtype=torch.float64)
    expected = F.conv2d(image[None, None], k[None, None], padding=padding, stride=stride)[0, 0]
    torch.testing.assert_close(conv2d_single(image, k, padding, stride), expected, rtol=1e-12, atol=1e-12)


def test_the_books_cross_example(conv2d_single):
    image = torch.tensor(conv.CROSS_IMAGE.values[0])
    kernel = torch.tensor(conv.CROSS_KERNEL.values[0])
    assert conv2d_single(image, kernel).tolist() == [[5, -7, 5], [-7, 9, -7], [5, -7, 5]]
    assert conv2d_single(image, kernel, padding=1)[0, 0].item() == 4
    # the crossing kernel is symmetric under a 180° turn: it alone could not catch a flipped kernel
    assert torch.equal(kernel, kernel.flip(0, 1))


def test_every_other_kernel_is_asymmetric():
    kernels = [case[1] for case in conv.PLAIN + conv.PADDED + conv.STRIDED if case[1] is not conv.CROSS_KERNEL]
    for spec in kernels:
        t = torch.randn(spec.shape, generator=torch.Generator().manual_seed(spec.seed), dtype=torch.float64)
        assert not torch.allclose(t, t.flip(0, 1))


def test_a_flipped_kernel_gets_the_flip_hint():
    report = api.check("conv2d_single", file=mutant_path("conv2d_single", "kernel_flip"))
    values = next(c for c in report.checks if c.id == "values")
    assert values.status is Status.FAILED
    assert values.feedback is not None and values.feedback.hint == "hint.conv2d_single.flip"


def test_a_wrong_size_gets_the_size_hint():
    report = api.check("conv2d_single", file=mutant_path("conv2d_single", "size_off_by_one"))
    shape = next(c for c in report.checks if c.id == "shape")
    assert shape.status is Status.FAILED
    assert shape.feedback is not None and shape.feedback.hint == "hint.conv2d_single.size"
