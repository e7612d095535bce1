"""--device cuda: the student's code and the reference on the GPU (skipped without one)."""

from __future__ import annotations

import pytest
import torch

from conftest import EXERCISES, ROOT
from grader import api
from grader.results import Status

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device on this machine"),
]


@pytest.mark.parametrize("exercise", EXERCISES)
def test_reference_gets_full_marks_on_the_gpu(exercise: str):
    report = api.check(exercise, file=ROOT / "reference_solutions" / f"{exercise}.py", device="cuda")
    failed = {c.id: c.feedback for c in report.checks if c.status is not Status.PASSED}
    assert not failed
    assert report.device == "cuda"


@pytest.mark.parametrize(("exercise", "mutant", "check_id"), [
    ("sq_loss", "mean_reduction", "shape"),
    ("my_linear", "weight_in_out", "parameters"),
    ("cnn_classifier", "no_relu", "outputs"),
])
def test_mutant_is_caught_on_the_gpu(exercise: str, mutant: str, check_id: str):
    path = ROOT / "exercises" / exercise / "mutants" / f"{mutant}.py"
    report = api.check(exercise, file=path, device="cuda")
    assert next(c for c in report.checks if c.id == check_id).status is not Status.PASSED
