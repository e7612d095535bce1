"""cnn_classifier: a LeNet-like CNN for 28×28 digits and its accuracy (ディープラーニング工作室 ch8/ch10).

`CNN`: conv1 = Conv2d(1, 6, 5) → ReLU → MaxPool2d(2, 2) → conv2 = Conv2d(6, 16, 5) → ReLU →
pool → flatten (16·4·4 = 256) → fc1 = Linear(256, 64) → ReLU → fc2 = Linear(64, 10), logits
[N, 10], 19,670 parameters. `accuracy(logits, labels)`: the fraction of correct argmax
predictions, a float in [0, 1] (a 0-d tensor with the right value is accepted too).

How the checks see the student's code:
- `architecture`: state_dict names and shapes, and the number of parameters. A tensor that is
  registered twice (the same layer also inside an `nn.Sequential`) counts once; lazy layers
  (`nn.LazyLinear(64)` for fc1) get their shapes from a dry run first.
- `shapes`: [N, 10] for N = 1, 20 and 7 (an odd N, so that a wrong flatten size cannot
  silently regroup the samples).
- `outputs` / `gradients`: fixed weights (U(±1/√fan_in), like PyTorch's default init, from
  fixed seeds) are loaded with `load_state_dict` into the student's CNN and into the
  reference (both in eval mode); outputs and the cross-entropy gradients of every parameter
  must match. When the outputs differ, the judge looks for the cause: two calls that
  disagree (dropout left on), a known wrong network (a ReLU missing, a softmax/sigmoid at
  the end, features flattened in another order) that the reference side computes with the
  same weights, or a batch output that differs from the outputs for the samples one at a
  time (a flatten that mixes samples).
- `logits`: forward on the student's own initialisation, in train() and in eval() mode (the
  reference has no dropout, so both must be logits); fails when a score is NaN or infinite,
  every row sums to 1 (softmax; every column for a softmax over the batch), every row's
  logsumexp is 0 (log_softmax), or a sigmoid ran and squashed everything into [0, 1].
- `accuracy`: fixed cases (N = 8, 10, 7, 1, 20) with a known number of right predictions.
- `training`: the probe trains the student's CNN (fixed loop below) on offline digits
  (`grader/digits.py`: load_digits upscaled to 28×28, 1,200 train / 597 test images) and sends back
  the trained weights, plain tensors; the grader loads them into the reference architecture
  (`_functional_cnn`; `architecture` has checked the names and shapes) and computes the test
  accuracy itself: nothing the student's process says is the accuracy. Pass: accuracy ≥
  max(FLOOR, reference − MARGIN). A "problem" the worker sends instead of weights is one of
  PROBLEMS or it is not believed.

Calibration (this machine, torch 2.14, 1 thread, the loop below: Adam lr 3e-3, batch 32,
6 epochs, ≈0.7 s per run): reference test accuracy over 40 init seeds min 0.955, mean 0.969,
max 0.982 (4 epochs would give min 0.935, mean 0.963). With the grading seed (0) the
reference reaches 0.973, so the threshold is 0.923. Correct solutions with another init
(kaiming_normal or xavier_uniform, zero biases; 20 seeds each) reach ≥ 0.963 and ≥ 0.951.
A softmax at the end of forward: min 0.744, mean 0.896 over 20 seeds (caught by `logits`,
often here too); a flatten that mixes samples: ≈0.09. Removing ReLUs does not hurt training
on this data (min 0.956 without the one after conv2), which is why `outputs` catches that.
FLOOR = 0.90 and MARGIN = 0.05 keep every reference seed ≥ 0.02 above its threshold.
The whole exercise grades in ≈2–4 s (reference and student trained at once, 1 thread each).
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F

from grader import keys
from grader.digits import digits_28, preload
from grader.compare import Comparison, Mismatch, close, compare, compare_observations, describe
from grader.probes import Run, grad_of, seed_everything
from grader.sandbox.protocol import Observed
from grader.spec import Check, Exercise, Tolerance, TensorSpec, rand, uniform

preload()  # a few ms, and done before the sandboxed worker shuts itself in (see grader/digits.py)

# The parameters of the contract's CNN, in registration order, with PyTorch's init bound 1/√fan_in.
PARAMS: dict[str, tuple[tuple[int, ...], float]] = {
    "conv1.weight": ((6, 1, 5, 5), 1 / math.sqrt(25)),
    "conv1.bias": ((6,), 1 / math.sqrt(25)),
    "conv2.weight": ((16, 6, 5, 5), 1 / math.sqrt(150)),
    "conv2.bias": ((16,), 1 / math.sqrt(150)),
    "fc1.weight": ((64, 256), 1 / math.sqrt(256)),
    "fc1.bias": ((64,), 1 / math.sqrt(256)),
    "fc2.weight": ((10, 64), 1 / math.sqrt(64)),
    "fc2.bias": ((10,), 1 / math.sqrt(64)),
}
WEIGHTS: dict[str, TensorSpec] = {
    name: uniform(*shape, low=-bound, high=bound, seed=100 + i) for i, (name, (shape, bound)) in enumerate(PARAMS.items())
}
# conv2 sums 150 products, fc1 256; a conv1 weight gradient sums N·24·24 terms, but the
# reference's own float32 error (added to the allowance by compare.py) dominates there.
TOLERANCE = Tolerance(reduction=256)
# An accuracy is a fraction k/n with n ≤ 20: any correct formula is float32 rounding (≤ 6e-8) from it, and the next
# fraction is 1/20 away.
ACCURACY = Tolerance(rtol=0.0, atol=1e-6)
# For the hint only: outputs that differ by more than this (relative to the largest) are not float32 rounding.
CLEARLY_DIFFERENT = Tolerance(rtol=1e-3, atol=1e-3)
# What `logits` calls probabilities (not a comparison with the reference: its outputs are logits): values ≥ −1e-6
# (float32 rounding of a 0) whose rows, or columns, sum to 1 within 1e-3; log-probabilities: ≤ 1e-6 with a
# logsumexp of 0 within 1e-3. Logits of 10 classes sum to 1 by chance far less often than that.
ROUNDING, SUMS_TO_ONE = 1e-6, 1e-3

LOADED = keys.call("cnn_classifier.call.loaded")  # loading the reference's weights with CNN().load_state_dict
LOAD_OK = "loaded"
SOFTMAXES = ("torch.softmax", "torch.nn.functional.softmax", "torch.Tensor.softmax", "torch.special.softmax",
             "torch.log_softmax", "torch.nn.functional.log_softmax", "torch.Tensor.log_softmax",
             "torch.special.log_softmax")
SIGMOIDS = ("torch.sigmoid", "torch.Tensor.sigmoid", "torch.nn.functional.sigmoid", "torch.special.expit")

# The training run of the `training` check, and its pass band (see the module docstring).
EPOCHS, BATCH, LR, TRAIN_SEED, SHUFFLE_SEED = 6, 32, 3e-3, 0, 1
FLOOR, MARGIN = 0.90, 0.05


def _x(n: int, seed: int) -> TensorSpec:
    return rand(n, 1, 28, 28, seed=seed)


def _called(x: Any) -> str:
    """The key of CNN()(x), for x a tensor or its shape."""
    shape = list(x.shape) if isinstance(x, torch.Tensor) else list(x)
    return keys.call("cnn_classifier.call.forward", shapes=[shape])


def _is_plain_tensor(value: Any) -> bool:
    return type(value) is torch.Tensor


def _materialize(run: Run, model: Any) -> None:
    """Give lazy layers (nn.LazyLinear: fc1's 256 inputs inferred) their shapes with a dry run."""
    if any(torch.nn.parameter.is_lazy(p) for p in model.parameters()):
        with torch.no_grad():
            model(torch.zeros(1, 1, 28, 28, device=run.device, dtype=run.float_dtype))


# -- architecture ---------------------------------------------------------------------------

ARCH_SHAPES = keys.call("cnn_classifier.call.arch_shapes")  # CNN().state_dict(): name -> shape
ARCH_COUNT = keys.call("cnn_classifier.call.arch_count")  # the number of parameters of CNN()


def _architecture(run: Run) -> dict[str, Any]:
    model = run.cast(run.get("CNN")())
    _materialize(run, model)
    state = model.state_dict(keep_vars=True)
    canonical = {id(state[name]) for name in PARAMS if name in state}
    shapes = {name: list(t.shape) for name, t in state.items() if name in PARAMS or id(t) not in canonical}
    return {ARCH_SHAPES: shapes, ARCH_COUNT: sum(p.numel() for p in model.parameters())}


def _judge_architecture(native: dict[str, Observed], exact: dict[str, Observed], got: dict[str, Observed]) -> Comparison:
    expected, observed = native[ARCH_SHAPES].value, got.get(ARCH_SHAPES)
    if observed is None or not isinstance(observed.value, dict):
        return Comparison(Mismatch(summary=("not_observed", {"what": ARCH_SHAPES})))
    missing = [k for k in expected if k not in observed.value]
    extra = [k for k in observed.value if k not in expected]
    if missing or extra:
        return Comparison(Mismatch(
            summary=("cnn_classifier.keys", {"missing": missing, "extra": extra}),
            hint="hint.cnn_classifier.names",
        ))
    for name, shape in expected.items():
        want, have = _shape_of(shape), _shape_of(observed.value[name])
        if want != have:
            flatten = name == "fc1.weight" and want is not None and have is not None and have[:1] == want[:1]
            return Comparison(Mismatch(
                summary=("wrong_shape", {"path": f"CNN().{name}", "expected": want, "got": have}),
                hint="hint.cnn_classifier.flatten_size" if flatten else "hint.cnn_classifier.layers",
            ))
    count, want_count = got.get(ARCH_COUNT), native[ARCH_COUNT].value
    if count is None or count.type != "int" or count.value != want_count:
        return Comparison(Mismatch(
            summary=("cnn_classifier.count", {"expected": want_count, "got": None if count is None else count.value}),
            hint="hint.cnn_classifier.parameters",
        ))
    return Comparison()


def _shape_of(obs: Observed) -> tuple[int, ...] | None:
    if not isinstance(obs.value, list) or not all(isinstance(i.value, int) for i in obs.value):
        return None
    return tuple(i.value for i in obs.value)


# -- shapes -----------------------------------------------------------------------------------

def _shapes(run: Run) -> dict[str, Any]:
    model = run.cast(run.get("CNN")())
    out = {}
    for n, seed in ((1, 11), (20, 12), (7, 13)):
        x = run.make(_x(n, seed))
        out[_called(x)] = run.call(model, x)
    return out


# -- outputs and gradients with the reference's weights ----------------------------------------

def _load(run: Run, model: torch.nn.Module) -> str:
    """Load the fixed weights; LOAD_OK or the error text (a check must not crash on it)."""
    weights = {name: run.make(spec) for name, spec in WEIGHTS.items()}
    try:
        model.load_state_dict(weights)
        return LOAD_OK
    except Exception as exc:  # noqa: BLE001 - the student's module decides what loading does
        error = f"{type(exc).__name__}: {exc}"[:400]
    # Accept a parameter that is also registered under a second name (the same tensor).
    try:
        state = model.state_dict(keep_vars=True)
        canonical = {id(state[name]) for name in PARAMS if name in state}
        if all(name in state for name in PARAMS) and all(
                name in PARAMS or id(t) in canonical for name, t in state.items()):
            model.load_state_dict(weights, strict=False)
            return LOAD_OK
    except Exception:  # noqa: BLE001
        pass
    return error


def _variants(run: Run, x: torch.Tensor) -> dict[str, Any]:
    """Known wrong networks with the same weights, computed on the reference side only."""
    w = {name: run.make(spec) for name, spec in WEIGHTS.items()}
    out = {}
    for i, (_, options) in enumerate(VARIANTS):
        out[f"variant {i}"] = _functional_cnn(x, w, **options)
    return out


def _functional_cnn(x: torch.Tensor, w: dict[str, torch.Tensor], *, relu: tuple[bool, bool, bool] = (True, True, True),
                    flatten: str = "per_sample", end: str | None = None) -> torch.Tensor:
    def act(i: int, t: torch.Tensor) -> torch.Tensor:
        return F.relu(t) if relu[i] else t

    h = F.max_pool2d(act(0, F.conv2d(x, w["conv1.weight"], w["conv1.bias"])), 2)
    h = F.max_pool2d(act(1, F.conv2d(h, w["conv2.weight"], w["conv2.bias"])), 2)
    h = h.permute(0, 2, 3, 1).flatten(1) if flatten == "channels_last" else h.flatten(1)
    h = act(2, F.linear(h, w["fc1.weight"], w["fc1.bias"]))
    out = F.linear(h, w["fc2.weight"], w["fc2.bias"])
    if end == "softmax":
        out = F.softmax(out, dim=1)
    elif end == "softmax_dim0":
        out = F.softmax(out, dim=0)
    elif end == "log_softmax":
        out = F.log_softmax(out, dim=1)
    elif end == "relu":
        out = F.relu(out)
    elif end == "sigmoid":
        out = torch.sigmoid(out)
    return out


# (hint id, the wrong network it names), checked in this order
VARIANTS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("hint.cnn_classifier.no_relu", {"relu": (False, False, False)}),
    ("hint.cnn_classifier.no_relu_conv1", {"relu": (False, True, True)}),
    ("hint.cnn_classifier.no_relu_conv2", {"relu": (True, False, True)}),
    ("hint.cnn_classifier.no_relu_fc1", {"relu": (True, True, False)}),
    ("hint.cnn_classifier.softmax", {"end": "softmax"}),
    ("hint.cnn_classifier.softmax", {"end": "softmax_dim0"}),
    ("hint.cnn_classifier.log_softmax", {"end": "log_softmax"}),
    ("hint.cnn_classifier.relu_logits", {"end": "relu"}),
    ("hint.cnn_classifier.sigmoid", {"end": "sigmoid"}),
    ("hint.cnn_classifier.flatten_order", {"flatten": "channels_last"}),
)

SINGLES = keys.call("cnn_classifier.call.singles")  # CNN()(x[i:i+1]) for each sample i
AGAIN = keys.call("cnn_classifier.call.again")  # CNN()(x) called a second time
OUTPUTS_X = (7, 21)  # the batch size and seed of the outputs check's x
OUTPUTS = _called((OUTPUTS_X[0], 1, 28, 28))


def _outputs(run: Run) -> dict[str, Any]:
    model = run.cast(run.get("CNN")()).eval()  # eval(): an extra Dropout would be harmless
    loaded = _load(run, model)
    out: dict[str, Any] = {LOADED: loaded}
    if loaded != LOAD_OK:
        return out
    x = run.make(_x(*OUTPUTS_X))
    out[OUTPUTS] = run.call(model, x)
    out[AGAIN] = run.call(model, x)
    out[SINGLES] = [run.call(model, x[i:i + 1]) for i in range(x.shape[0])]
    if not run.student:
        out.update(_variants(run, x))
    return out


def _load_failed(native: dict[str, Observed], got: dict[str, Observed]) -> Comparison | None:
    loaded = got.get(LOADED)
    if loaded is None or loaded.value != native[LOADED].value:
        message = "" if loaded is None else str(loaded.value)
        return Comparison(Mismatch(summary=("cnn_classifier.load_failed", {"message": message}),
                                   hint="hint.cnn_classifier.names"))
    return None


def _differ(a: torch.Tensor, b: torch.Tensor) -> bool:
    """Clearly different (not float32 rounding): how a batch differs from itself or its rows."""
    if a.shape != b.shape or not (a.is_floating_point() and b.is_floating_point()):
        return True
    a, b = a.double(), b.double()
    scale = float(b.abs().max()) + 1e-12 if b.numel() else 1.0
    assert CLEARLY_DIFFERENT.rtol is not None and CLEARLY_DIFFERENT.atol is not None
    return not bool(torch.allclose(a, b, rtol=CLEARLY_DIFFERENT.rtol, atol=CLEARLY_DIFFERENT.atol * scale,
                                   equal_nan=True))


def _random(batch: Observed, again: Observed | None) -> bool:
    """Whether two calls on the same input gave different outputs (dropout left on, noise)."""
    return again is not None and batch.is_tensor and again.is_tensor and _differ(batch.value, again.value)


def _mixes_samples(batch: Observed, singles: Observed | None) -> bool:
    """Whether the rows of the batch output differ from the outputs for one sample at a time."""
    if singles is None or not isinstance(singles.value, list) or not batch.is_tensor:
        return False
    rows = [s.value for s in singles.value if s.is_tensor and s.value.numel() == 10 and s.value.is_floating_point()]
    b = batch.value
    if len(rows) != len(singles.value) or b.shape != (len(rows), 10) or not b.is_floating_point():
        return False
    return _differ(b, torch.stack([r.reshape(10) for r in rows]))


def _judge_outputs(native: dict[str, Observed], exact: dict[str, Observed], got: dict[str, Observed],
                   tolerance: Tolerance) -> Comparison:
    failed = _load_failed(native, got)
    if failed is not None:
        return failed
    key = OUTPUTS
    result = compare_observations(native, exact, got, tolerance, only=[key])
    observed = got.get(key)
    if observed is None or result.mismatch is None or result.mismatch.summary[0] != "values_differ":
        return result
    if _random(observed, got.get(AGAIN)):
        result.mismatch.hint = "hint.cnn_classifier.random"
        return result
    for i, (hint, _) in enumerate(VARIANTS):
        variant = f"variant {i}"
        if variant in native and compare(native[variant], exact[variant], observed, tolerance).mismatch is None:
            result.mismatch.hint = hint
            return result
    if _mixes_samples(observed, got.get(SINGLES)):
        result.mismatch.hint = "hint.cnn_classifier.mixes_samples"
        return result
    result.mismatch.hint = "hint.cnn_classifier.outputs"
    return result


LOSS = keys.call("cnn_classifier.call.loss", shapes=[[7, 1, 28, 28]])  # cross_entropy(CNN()(x), labels)
LABELS = TensorSpec(shape=(7,), dist="randint", low=0, high=10, dtype="int64", seed=22)


def _gradients(run: Run) -> dict[str, Any]:
    model = run.cast(run.get("CNN")()).eval()
    loaded = _load(run, model)
    out: dict[str, Any] = {LOADED: loaded}
    if loaded != LOAD_OK:
        return out
    x, labels = run.make(_x(7, 21)), run.make(LABELS)
    logits = run.call(model, x)
    if not _is_plain_tensor(logits) or logits.shape != (7, 10) or not logits.is_floating_point():
        out[_called(x)] = logits
        return out
    loss = F.cross_entropy(logits, labels)
    out[LOSS] = loss
    if loss.requires_grad:
        loss.backward()
    for name in PARAMS:
        try:
            param = model.get_parameter(name)
        except AttributeError:
            out[keys.gradient(name, of=LOSS)] = None
            continue
        out[keys.gradient(name, of=LOSS)] = grad_of(param)
    return out


# -- logits, not probabilities -----------------------------------------------------------------

LOGITS_CALL = _called((7, 1, 28, 28))
LOGITS_CALLS = (LOGITS_CALL, keys.call("cnn_classifier.call.after_eval", call=LOGITS_CALL))  # train(), then eval()
LOGITS_OPS = keys.call("cnn_classifier.call.logits_ops")  # softmax or sigmoid functions run by CNN()(x)


def _logits(run: Run) -> dict[str, Any]:
    model = run.cast(run.get("CNN")())
    x = run.make(_x(7, 31))
    model.train()
    out: dict[str, Any] = {LOGITS_CALLS[0]: run.call(model, x)}
    model.eval()
    out[LOGITS_CALLS[1]] = run.call(model, x)
    out[LOGITS_OPS] = run.uses(*SOFTMAXES, *SIGMOIDS)
    return out


def _judge_logits(native: dict[str, Observed], exact: dict[str, Observed], got: dict[str, Observed]) -> Comparison:
    """Both modes' outputs must be logits (the reference has no dropout: train() and eval() agree)."""
    ops = got.get(LOGITS_OPS)
    known = set(SOFTMAXES) | set(SIGMOIDS)
    names = [str(o.value) for o in ops.value if o.value in known] if ops is not None and isinstance(
        ops.value, list) else []
    for call in LOGITS_CALLS:
        result = _judge_one_logits(got.get(call), names, call)
        if result.mismatch is not None:
            return result
    return Comparison()


def _judge_one_logits(observed: Observed | None, names: list[str], call: str) -> Comparison:
    ran = ("cnn_classifier.ran", {"names": ", ".join(names)}) if names else None
    if (observed is None or not observed.is_tensor or observed.value.dim() != 2
            or observed.value.numel() == 0 or not observed.value.is_floating_point()):
        got_text = keys.call("cnn_classifier.call.nothing") if observed is None else describe(observed)
        return Comparison(Mismatch(summary=("wrong_type", {
            "path": "", "expected": keys.call("cnn_classifier.call.scores"), "got": got_text,
        })), called=call)
    out = observed.value.double()
    if not bool(torch.isfinite(out).all()):
        return Comparison(Mismatch(summary=("cnn_classifier.nonfinite", {}), where=ran,
                                   hint="hint.cnn_classifier.outputs"), called=call)
    row_sums = out.sum(dim=1)
    if bool((out >= -ROUNDING).all()) and float((row_sums - 1).abs().max()) < SUMS_TO_ONE:
        return Comparison(Mismatch(
            summary=("cnn_classifier.probabilities", {}),
            got=("cnn_classifier.row_sums", {"sums": _short(row_sums)}), where=ran,
            hint="hint.cnn_classifier.softmax",
        ), called=call)
    column_sums = out.sum(dim=0)
    if bool((out >= -ROUNDING).all()) and float((column_sums - 1).abs().max()) < SUMS_TO_ONE:
        return Comparison(Mismatch(
            summary=("cnn_classifier.probabilities_dim0", {}), where=ran,
            hint="hint.cnn_classifier.softmax",
        ), called=call)
    lse = torch.logsumexp(out, dim=1)
    if bool((out <= ROUNDING).all()) and float(lse.abs().max()) < SUMS_TO_ONE:
        return Comparison(Mismatch(
            summary=("cnn_classifier.log_probabilities", {}),
            got=("cnn_classifier.row_logsumexp", {"values": _short(lse)}), where=ran,
            hint="hint.cnn_classifier.log_softmax",
        ), called=call)
    if bool(((out >= 0) & (out <= 1)).all()) and any(n in SIGMOIDS for n in names):
        return Comparison(Mismatch(
            summary=("cnn_classifier.squashed", {}), where=ran,
            hint="hint.cnn_classifier.sigmoid",
        ), called=call)
    return Comparison()


def _short(t: torch.Tensor) -> str:
    return "[" + ", ".join(f"{round(v, 4) + 0.0:g}" for v in t.tolist()[:7]) + "]"


# -- accuracy --------------------------------------------------------------------------------

# (rows, seed, which rows are right); labels are built from the logits' argmax, so the
# expected value is known by construction and the reference computes it anyway.
ACCURACY_CASES: list[tuple[int, int, tuple[int, ...]]] = [
    (8, 41, (0, 2, 3, 5, 7)),
    (10, 42, (1, 4, 8)),
    (7, 43, tuple(range(7))),
    (7, 44, ()),
    (1, 45, (0,)),
    (20, 46, (0, 1, 2, 4, 5, 7, 8, 10, 11, 13, 16, 17, 19)),
]


def _accuracy(run: Run) -> dict[str, Any]:
    accuracy = run.get("accuracy")
    out = {}
    for n, seed, right in ACCURACY_CASES:
        logits = run.make(rand(n, 10, seed=seed))
        best = logits.argmax(dim=1)
        shift = 1 + torch.arange(n, device=best.device) % 9  # a wrong class, never the argmax
        labels = torch.where(torch.isin(torch.arange(n, device=best.device), torch.tensor(right, dtype=torch.int64,
                             device=best.device)), best, (best + shift) % 10)
        called = keys.call("cnn_classifier.call.accuracy", shapes=[[n, 10], [n]], right=len(right), n=n)
        out[called] = run.call(accuracy, logits.clone(), labels.clone())
    return out


def _as_number(obs: Observed) -> float | None:
    """The accuracy as a number: a Python/NumPy number or a 0-d tensor; None for anything else."""
    if obs.is_tensor:  # a 0-d torch.Tensor, or a 0-d NumPy array
        t = obs.value
        if (obs.type == "torch.Tensor" or obs.type.startswith("numpy.")) and t.dim() == 0 \
                and not t.is_complex() and t.dtype != torch.bool:
            return float(t)
        return None
    if (obs.type in ("float", "int") or obs.type.startswith("numpy.")) and isinstance(obs.value, (int, float)) \
            and not isinstance(obs.value, bool):
        return float(obs.value)
    return None


def _judge_accuracy(native: dict[str, Observed], exact: dict[str, Observed], got: dict[str, Observed],
                    tolerance: Tolerance) -> Comparison:
    for key, expected in native.items():
        observed = got.get(key)
        if observed is None:
            return Comparison(Mismatch(summary=("not_observed", {"what": key})))
        want, have = float(expected.value), _as_number(observed)
        if have is None:
            what = (keys.call("cnn_classifier.call.typed", type=observed.type, shapes=[list(observed.value.shape)])
                    if observed.is_tensor else f"{observed.type} {observed.value!r}"[:120])
            return Comparison(Mismatch(
                summary=("cnn_classifier.accuracy_type", {"got": what}),
                hint="hint.cnn_classifier.accuracy_type",
            ), called=key)
        if not close(have, want, tolerance):
            hint = "hint.cnn_classifier.accuracy_fraction" if not 0.0 <= have <= 1.0 else "hint.cnn_classifier.accuracy"
            return Comparison(Mismatch(
                summary=("cnn_classifier.accuracy_value", {}),
                expected=("plain", {"text": f"{want:.6g}"}),
                got=("plain", {"text": f"{have:.6g}"}),
                hint=hint,
            ), called=key)
    return Comparison()


# -- a short training run --------------------------------------------------------------------

WEIGHTS_SENT = keys.call("cnn_classifier.call.trained", epochs=EPOCHS, lr=f"{LR:g}", batch=BATCH)  # CNN()'s weights
PROBLEMS = frozenset({"not_tensor", "wrong_shape", "not_float", "no_graph", "no_parameters"})


def _forward_problem(out: Any, n: int) -> str | None:
    if not _is_plain_tensor(out):
        return "not_tensor"
    if tuple(out.shape) != (n, 10):
        return "wrong_shape"
    if not out.is_floating_point():
        return "not_float"
    return None


def _training(run: Run) -> dict[str, Any]:
    cnn = run.get("CNN")
    x_train, y_train, x_test, y_test = digits_28(run.device)
    seed_everything(TRAIN_SEED)
    model = run.cast(cnn())
    _materialize(run, model)
    params = list(model.parameters())
    if not params:
        return {WEIGHTS_SENT: "no_parameters"}
    optimizer = torch.optim.Adam(params, lr=LR)
    shuffle = torch.Generator().manual_seed(SHUFFLE_SEED)
    model.train()
    for _ in range(EPOCHS):
        order = torch.randperm(len(y_train), generator=shuffle).to(run.device)
        for start in range(0, len(order), BATCH):
            batch = order[start:start + BATCH]
            optimizer.zero_grad()
            out = model(x_train[batch])
            problem = _forward_problem(out, len(batch))
            if problem is None and not out.requires_grad:
                problem = "no_graph"
            if problem is not None:
                return {WEIGHTS_SENT: problem}
            F.cross_entropy(out, y_train[batch]).backward()
            optimizer.step()
    state = model.state_dict()
    return {WEIGHTS_SENT: {name: state[name].detach().to("cpu", torch.float32).clone() if isinstance(
        state.get(name), torch.Tensor) else None for name in PARAMS}}


def _trained_weights(observed: Observed | None) -> dict[str, torch.Tensor] | None:
    """The weights the worker sent, if they are plain finite float tensors of the contract's shapes."""
    if observed is None or not isinstance(observed.value, dict):
        return None
    weights = {}
    for name, (shape, _) in PARAMS.items():
        obs = observed.value.get(name)
        if not isinstance(obs, Observed) or obs.type != "torch.Tensor" or not obs.is_tensor:
            return None
        t = obs.value
        if tuple(t.shape) != shape or not t.is_floating_point() or not bool(torch.isfinite(t).all()):
            return None
        weights[name] = t.detach().to("cpu", torch.float32)
    return weights


def test_accuracy(weights: dict[str, torch.Tensor]) -> float:
    """The reference architecture's accuracy on the digits test set with these weights, computed here."""
    _, _, x_test, y_test = digits_28("cpu")
    with torch.no_grad():
        out = _functional_cnn(x_test, weights)
    return float((out.argmax(dim=1) == y_test).double().mean())


def _judge_training(native: dict[str, Observed], exact: dict[str, Observed], got: dict[str, Observed]) -> Comparison:
    reference_weights = _trained_weights(native.get(WEIGHTS_SENT))
    if reference_weights is None:
        raise ValueError("the reference's training run gave no weights")
    reference = test_accuracy(reference_weights)
    needed = max(FLOOR, reference - MARGIN)
    observed = got.get(WEIGHTS_SENT)
    if observed is None or set(got) != {WEIGHTS_SENT} or (
            isinstance(observed.value, str) and observed.value not in PROBLEMS):
        return Comparison(Mismatch(summary=("unexpected_answer", {})))  # not what the probe sends: not believed
    if isinstance(observed.value, str):
        return Comparison(Mismatch(
            summary=(f"cnn_classifier.training_{observed.value}", {}), hint="hint.cnn_classifier.training",
        ))
    weights = _trained_weights(observed)
    if weights is None:
        return Comparison(Mismatch(summary=("cnn_classifier.training_weights", {}),
                                   hint="hint.cnn_classifier.training"))
    value = test_accuracy(weights)
    if not value >= needed:
        return Comparison(Mismatch(
            summary=("cnn_classifier.training_low", {"epochs": EPOCHS}),
            expected=("cnn_classifier.training_expected", {"needed": f"{needed:.3f}", "reference": f"{reference:.3f}"}),
            got=("plain", {"text": f"{value:.3f}" if isinstance(value, float) else repr(value)}),
            hint="hint.cnn_classifier.training",
        ), margin=0.0)
    return Comparison(margin=(1 - value) / max(1 - needed, 1e-9))


EXERCISE = Exercise(
    name="cnn_classifier",
    source="ディープラーニング工作室 ch8/ch10 (作って試そう！ディープラーニング工作室)",
    entry=("CNN", "accuracy"),
    checks=(
        Check(id="architecture", points=1,
              probe=_architecture, judge=_judge_architecture),
        Check(id="shapes", points=1, probe=_shapes,
              values=False, hint="shapes", hint_on_raise=True),
        Check(id="outputs", points=1, probe=_outputs,
              needs=("architecture",), tolerance=TOLERANCE, judge=_judge_outputs),
        Check(id="gradients", points=1, probe=_gradients,
              needs=("outputs",), tolerance=TOLERANCE, hint="hint.cnn_classifier.gradients"),
        Check(id="logits", points=1, probe=_logits,
              needs=("shapes",), reference="native", judge=_judge_logits),
        Check(id="accuracy", points=1, probe=_accuracy, reference="native", tolerance=ACCURACY, judge=_judge_accuracy,
              factor_hints=("hint.cnn_classifier.accuracy_fraction",)),
        Check(id="training", points=2, probe=_training,
              needs=("architecture", "shapes"), reference="native", timeout=90.0, judge=_judge_training),
    ),
)
