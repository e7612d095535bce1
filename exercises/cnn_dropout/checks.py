"""cnn_dropout: the CNN for 28×28 digits with Dropout between fc1 and fc2 (ディープラーニング工作室 ch10, seed-001 E46).

`MnistCNNDropout`: the network of cnn_classifier (ReLU after conv2 included, as there) with
`nn.Dropout()` (p = 0.5) after fc1's ReLU. What changes between train() and eval() is the point.

* `architecture`: state_dict names → shapes, and 19,670 parameters (dropout has none). A tensor registered
  twice (fc1 also inside an nn.Sequential) counts once.
* `shapes`: [N, 10] for N = 1 and 7, in eval() and in train() mode, connected to the graph.
* `eval_outputs`: fixed weights (U(±1/√fan_in) from fixed seeds) loaded into the student's network and
  the reference's, eval(): the outputs, twice on the same input, must be the reference's (float64 run).
  Dropout left on in eval() (F.dropout without training=self.training, a Dropout created in forward)
  makes them differ; the hint says so when the two calls differ. On the reference's side the probe
  also computes the book's network (no ReLU after conv2) with the same weights, for its hint.
* `gradients`: in eval(), the gradients of every parameter and of x for a fixed cotangent.
* `dropout`: the same weights, a batch of 256 images. A forward pre-hook on fc2 captures what enters
  fc2 in eval() (h = ReLU(fc1(...))) and, after `torch.manual_seed(DROP_SEED)`, in train(). Of the
  units with h > 0 (about 9,600), the fraction that arrive as 0 in train() is the dropout rate, and
  the fraction of the others that arrive as exactly 2h (1/(1 - p)) is the scaling. Both are compared
  with the reference's (native float32 run) within RATE's 0.06.

  Why this is robust: the probe seeds torch's generator itself, on both sides, so nn.Dropout or
  F.dropout at the same place draws the very mask the reference draws (difference 0). A correct
  dropout written another way (torch.bernoulli, rand_like < p) draws another mask: its rate is
  then a binomial sample of ~9,600 units, standard deviation 0.005, so the difference from the
  reference's sample has sd ≈ 0.007; 0.06 is 8 of those (measured over 10 seeds: |Δ| ≤ 0.02). A wrong
  p is at least 0.1 off in practice (p = 0.25 of the PyTorch MNIST example: 0.25; dropout after fc2 or
  not active: 0); a dropout without the 1/(1 - p) scaling has scaling fraction 0 instead of 1.
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F

from grader import keys
from grader.compare import Comparison, Mismatch, compare, compare_observations
from grader.probes import Run, backward, grad_of
from grader.sandbox.protocol import Observed
from grader.spec import Check, Exercise, TensorSpec, Tolerance, rand, uniform

ENTRY = "MnistCNNDropout"
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
    name: uniform(*shape, low=-bound, high=bound, seed=300 + i) for i, (name, (shape, bound)) in enumerate(PARAMS.items())
}
TOLERANCE = Tolerance(reduction=256)  # fc1 sums 256 products (as in cnn_classifier)
RATE = Tolerance(rtol=0.0, atol=0.06)  # see the module docstring
N_DROP, DROP_SEED = 256, 2024
NOT_DROPPED = 0.06  # a rate below this: no dropout where it should be
SCALED_RTOL = 1e-4  # a kept unit is 2h up to float32 rounding
# For the hint only: two eval() calls on the same input that differ by more than float32 rounding ran something random.
REPEATED = Tolerance(rtol=1e-4, atol=1e-5)

STATE = keys.call("cnn_dropout.call.state_dict")
COUNT = keys.call("cnn_dropout.call.count")
DROPPED = keys.call("cnn_dropout.call.dropped", n=N_DROP)
SCALED = keys.call("cnn_dropout.call.scaled", n=N_DROP)


def _net(run: Run) -> torch.nn.Module:
    return run.cast(run.get(ENTRY)())


def _loaded(run: Run) -> torch.nn.Module:
    """The student's network with the fixed weights (`architecture`, which these checks need, has
    checked their names and shapes)."""
    model = _net(run)
    # strict=False: `architecture` has found exactly these names, apart from other names of the same tensors
    # (a layer also held in an nn.Sequential), which loading under the names here fills too.
    model.load_state_dict({name: run.make(spec) for name, spec in WEIGHTS.items()}, strict=False)
    return model


def _forward_key(x: torch.Tensor, mode: str, again: bool = False) -> str:
    facts: dict[str, Any] = {"shape": keys.shapes(x), "mode": mode}
    return keys.call("cnn_dropout.call.forward_again" if again else "cnn_dropout.call.forward", **facts)


# -- architecture and shapes ----------------------------------------------------------------

def _architecture(run: Run) -> dict[str, Any]:
    """state_dict names → shapes (a tensor also registered under a second name, as when fc1 and fc2 are also
    held in an nn.Sequential, is listed once, under the contract's name), and the parameter count."""
    model = _net(run)
    state = model.state_dict(keep_vars=True)
    canonical = {id(state[name]) for name in PARAMS if name in state}
    shapes = {name: list(t.shape) for name, t in state.items() if name in PARAMS or id(t) not in canonical}
    return {STATE: shapes, COUNT: sum(p.numel() for p in model.parameters())}


def _shapes(run: Run) -> dict[str, Any]:
    model = _net(run)
    out = {}
    for mode in ("eval", "train"):
        getattr(model, mode)()
        for n, seed in ((1, 11), (7, 12)):
            x = run.make(rand(n, 1, 28, 28, seed=seed))
            out[_forward_key(x, mode)] = run.call(model, x)
    return out


# -- eval(): outputs and gradients with the fixed weights ---------------------------------------

BOOK = "the book's network (no ReLU after conv2)"


def _book_network(run: Run, x: torch.Tensor) -> torch.Tensor:
    """The network as the book's code has it, with the same weights: computed on the reference's side only."""
    w = {name: run.make(spec) for name, spec in WEIGHTS.items()}
    h = F.max_pool2d(F.relu(F.conv2d(x, w["conv1.weight"], w["conv1.bias"])), 2)
    h = F.max_pool2d(F.conv2d(h, w["conv2.weight"], w["conv2.bias"]), 2).flatten(1)
    return F.linear(F.relu(F.linear(h, w["fc1.weight"], w["fc1.bias"])), w["fc2.weight"], w["fc2.bias"])


def _eval_outputs(run: Run) -> dict[str, Any]:
    model = _loaded(run).eval()
    x = run.make(rand(7, 1, 28, 28, seed=21))
    out = {_forward_key(x, "eval"): run.call(model, x), _forward_key(x, "eval", again=True): run.call(model, x)}
    if not run.student:
        out[BOOK] = _book_network(run, x)
    return out


def _differ(a: Observed | None, b: Observed | None) -> bool:
    """Whether two outputs of the same call clearly differ (not float rounding)."""
    if a is None or b is None or not (a.is_tensor and b.is_tensor) or a.value.shape != b.value.shape:
        return False
    if not (a.value.is_floating_point() and b.value.is_floating_point()):
        return False
    assert REPEATED.rtol is not None and REPEATED.atol is not None
    return not torch.allclose(a.value.double(), b.value.double(), rtol=REPEATED.rtol, atol=REPEATED.atol)


def _judge_eval(native: dict[str, Observed], exact: dict[str, Observed], got: dict[str, Observed],
                tolerance: Tolerance) -> Comparison:
    compared = [k for k in native if k != BOOK]  # the book's network is the reference's own, for the hint
    result = compare_observations(native, exact, got, tolerance, only=compared)
    if result.mismatch is not None and result.mismatch.hint is None and result.called in got:
        first, again = got.get(compared[0]), got.get(compared[1]) if len(compared) > 1 else None
        if _differ(first, again):
            result.mismatch.hint = "hint.cnn_dropout.eval_random"
        elif BOOK in native and first is not None and compare(
                native[BOOK], exact.get(BOOK, native[BOOK]), first, tolerance).mismatch is None:
            result.mismatch.hint = "hint.cnn_dropout.no_relu_conv2"
        else:
            result.mismatch.hint = "hint.cnn_dropout.outputs"
    return result


def _gradients(run: Run) -> dict[str, Any]:
    model = _loaded(run).eval()
    x = run.make(rand(5, 1, 28, 28, seed=31)).requires_grad_(True)
    called = _forward_key(x, "eval")
    result = run.call(model, x)
    out: dict[str, Any] = {called: result}
    if backward(result):
        for name, p in model.named_parameters():
            out[keys.gradient(name, of=called)] = grad_of(p)
        out[keys.gradient("x", of=called)] = grad_of(x)
    return out


# -- train(): the dropout rate and scaling, measured at fc2's input ------------------------------

def _dropout(run: Run) -> dict[str, Any]:
    model = _loaded(run)
    x = run.make(rand(N_DROP, 1, 28, 28, seed=41))
    seen: list[torch.Tensor] = []
    hook = model.get_submodule("fc2").register_forward_pre_hook(lambda module, args: seen.append(args[0].detach().clone()))
    try:
        with torch.no_grad():
            model.eval()
            run.call(model, x)
            model.train()
            torch.manual_seed(DROP_SEED)  # the same mask on both sides for the same dropout
            run.call(model, x)
    finally:
        hook.remove()
    if len(seen) != 2 or seen[0].shape != seen[1].shape:
        return {}  # fc2 was not called once per forward: nothing to measure (judged "not observed")
    h, kept = seen[0].double(), seen[1].double()
    positive = h > 0
    survived = positive & (kept != 0)
    scaled = (kept - 2 * h).abs() <= SCALED_RTOL * 2 * h.abs()
    n_positive, n_survived = int(positive.sum()), int(survived.sum())
    return {
        DROPPED: (n_positive - n_survived) / n_positive if n_positive else 0.0,
        SCALED: int((scaled & survived).sum()) / n_survived if n_survived else 0.0,
    }


def _judge_dropout(native: dict[str, Observed], exact: dict[str, Observed], got: dict[str, Observed],
                   tolerance: Tolerance) -> Comparison:
    margin = 0.0
    for key in (DROPPED, SCALED):
        observed = got.get(key)
        if observed is None:
            return Comparison(Mismatch(summary=("not_observed", {"what": key}), hint="hint.cnn_dropout.fc2"),
                              margin, called=key)
        result = compare(native[key], native[key], observed, tolerance)
        if result.mismatch is not None:
            rate = got.get(DROPPED)
            if rate is not None and type(rate.value) is float and rate.value < NOT_DROPPED:
                result.mismatch.hint = "hint.cnn_dropout.not_dropped"
            elif key == DROPPED:
                result.mismatch.hint = "hint.cnn_dropout.rate"
            else:
                result.mismatch.hint = "hint.cnn_dropout.scale"
            result.called = key
            return result
        margin = max(margin, result.margin)
    return Comparison(margin=margin)


EXERCISE = Exercise(
    name="cnn_dropout",
    source="ディープラーニング工作室 ch10 (作って試そう！ディープラーニング工作室), Net2: the CNN with Dropout",
    entry=(ENTRY,),
    checks=(
        Check(id="architecture", points=1, probe=_architecture, hint="layers"),
        Check(id="shapes", points=1, probe=_shapes, values=False, hint="shapes", hint_on_raise=True),
        Check(id="eval_outputs", points=1, probe=_eval_outputs, needs=("architecture",), tolerance=TOLERANCE,
              judge=_judge_eval),
        Check(id="gradients", points=1, probe=_gradients, needs=("eval_outputs",), tolerance=TOLERANCE,
              hint="gradients"),
        Check(id="dropout", points=1, probe=_dropout, needs=("architecture",), reference="native",
              tolerance=RATE, judge=_judge_dropout),
    ),
)
