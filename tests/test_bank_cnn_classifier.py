"""cnn_classifier: the exercise's fixed facts, its offline data, and how its files are graded."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch

from grader import files
from grader.bank import cnn_classifier as bank_module
from grader.bank._digits import N_TRAIN, digits_28

ROOT = Path(__file__).resolve().parent.parent


def _reference():
    return files.load_module(files.reference_path("cnn_classifier"), "test_reference_cnn_classifier")


def test_reference_has_the_contracts_architecture():
    net = _reference().CNN()
    assert sum(p.numel() for p in net.parameters()) == 19_670
    assert {k: tuple(v.shape) for k, v in net.state_dict().items()} == {
        name: shape for name, (shape, _) in bank_module.PARAMS.items()
    }
    assert net(torch.zeros(20, 1, 28, 28)).shape == (20, 10)
    assert net(torch.zeros(1, 1, 28, 28)).shape == (1, 10)


def test_loaded_weights_follow_pytorchs_init_bounds():
    for name, (shape, bound) in bank_module.PARAMS.items():
        spec = bank_module.WEIGHTS[name]
        assert spec.shape == shape and spec.low == -bound and spec.high == bound
    assert bank_module.PARAMS["conv1.weight"][1] == pytest.approx(0.2)
    assert bank_module.PARAMS["fc1.weight"][1] == pytest.approx(0.0625)


def test_digits_are_load_digits_upscaled():
    sklearn_datasets = pytest.importorskip("sklearn.datasets")
    x_train, y_train, x_test, y_test = digits_28()
    assert x_train.shape == (N_TRAIN, 1, 28, 28) and x_test.shape == (1797 - N_TRAIN, 1, 28, 28)
    assert x_train.dtype == torch.float32 and y_train.dtype == torch.int64
    assert -1.0 <= float(torch.cat([x_train, x_test]).min()) and float(torch.cat([x_train, x_test]).max()) <= 1.0
    digits = sklearn_datasets.load_digits()
    counts = torch.bincount(torch.cat([y_train, y_test]), minlength=10)
    assert counts.tolist() == torch.bincount(torch.as_tensor(digits.target)).tolist()


def test_importing_the_exercise_does_not_import_sklearn():
    code = "import sys, grader.bank.cnn_classifier; assert 'sklearn' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


# References, stubs, mutants and alternates are graded file by file in test_bank.py.


@pytest.mark.slow
@pytest.mark.parametrize(("mutant", "check_id", "hint_words"), [
    ("no_relu_conv2", "outputs", "ReLU after conv2"),
    ("no_relu", "outputs", "without any ReLU"),
    ("flatten_mixes_samples", "outputs", "mixes samples"),
    ("softmax_at_end", "logits", "softmax"),
    ("flatten_16x5x5", "architecture", "16 * 4 * 4 = 256"),
    ("accuracy_count", "accuracy", "divide the number of right predictions"),
])
def test_feedback_points_at_the_mistake(run_grader, mutant, check_id, hint_words):
    path = ROOT / "reference_solutions" / "mutants" / "cnn_classifier" / f"{mutant}.py"
    result = run_grader("check", "cnn_classifier", "--file", path, "--json")
    test = next(t for t in result.json["tests"] if t["id"] == check_id)
    assert hint_words in test["hint"], test
