"""cnn_classifier: the exercise's fixed facts, its offline data, and how its files are graded."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch

from conftest import checks_of, reference_path
from grader.bank.folder import load_module
from grader.digits import N_TRAIN, digits_28

bank_module = checks_of("cnn_classifier")

ROOT = Path(__file__).resolve().parent.parent


def _reference():
    return load_module(reference_path("cnn_classifier"), "test_reference_cnn_classifier")


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
    code = "import sys; from grader import bank; bank.get('cnn_classifier'); assert 'sklearn' not in sys.modules"
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
    path = ROOT / "exercises" / "cnn_classifier" / "mutants" / f"{mutant}.py"
    result = run_grader("check", "cnn_classifier", "--file", path, "--json")
    test = next(t for t in result.json["tests"] if t["id"] == check_id)
    assert hint_words in test["hint"], test


def _weights_observed(weights):
    from grader.sandbox.protocol import observe

    return {bank_module.WEIGHTS_SENT: observe(weights)}



def test_training_accuracy_is_computed_by_the_grader_from_the_weights():
    from grader.probes import Run

    run = Run({})
    fixed = {name: run.make(spec) for name, spec in bank_module.WEIGHTS.items()}  # untrained: near chance
    native = _weights_observed(fixed)
    assert 0.0 <= bank_module.test_accuracy(fixed) < 0.5
    verdict = bank_module._judge_training(native, native, native)
    assert verdict.mismatch is not None  # untrained reference weights are below the floor
    assert verdict.mismatch.summary[0] == "cnn_classifier.training_low"


@pytest.mark.parametrize("sent", [
    0.99,  # an accuracy: the worker's word, not weights
    "zzz_not_a_problem",
    {"conv1.weight": 1.0},
])
def test_what_the_probe_cannot_send_is_not_believed(sent):
    from grader.probes import Run
    from grader.sandbox.protocol import observe

    run = Run({})
    native = _weights_observed({name: run.make(spec) for name, spec in bank_module.WEIGHTS.items()})
    got = {bank_module.WEIGHTS_SENT: observe(sent)}
    mismatch = bank_module._judge_training(native, native, got).mismatch
    assert mismatch.summary[0] in ("unexpected_answer", "cnn_classifier.training_weights")
    forged = {"test accuracy": observe(0.99), **got}
    assert bank_module._judge_training(native, native, forged).mismatch.summary[0] == "unexpected_answer"


def test_weights_that_are_not_finite_or_of_other_shapes_are_refused():
    from grader.probes import Run
    from grader.sandbox.protocol import observe

    run = Run({})
    good = {name: run.make(spec) for name, spec in bank_module.WEIGHTS.items()}
    assert bank_module._trained_weights(observe(good)) is not None
    nan = {**good, "fc2.bias": torch.full((10,), float("nan"))}
    assert bank_module._trained_weights(observe(nan)) is None
    wrong = {**good, "fc1.weight": torch.zeros(64, 400)}
    assert bank_module._trained_weights(observe(wrong)) is None


def _logits_verdict(train: torch.Tensor, eval_: torch.Tensor):
    from grader.sandbox.protocol import observe

    got = {bank_module.LOGITS_CALLS[0]: observe(train), bank_module.LOGITS_CALLS[1]: observe(eval_),
           bank_module.LOGITS_OPS: observe([])}
    return bank_module._judge_logits({}, {}, got)


def test_logits_are_judged_in_both_modes_and_must_be_finite():
    scores = torch.randn(7, 10)
    assert _logits_verdict(scores, scores).mismatch is None
    softmax = _logits_verdict(scores, scores.softmax(dim=1))
    assert softmax.mismatch.summary[0] == "cnn_classifier.probabilities"
    assert softmax.called == bank_module.LOGITS_CALLS[1]
    nan = scores.clone()
    nan[2, 3] = float("nan")
    assert _logits_verdict(nan, scores).mismatch.summary[0] == "cnn_classifier.nonfinite"
    assert _logits_verdict(scores, scores / 0).mismatch.summary[0] == "cnn_classifier.nonfinite"
