"""my_linear: `MyLinear(nn.Module)`, a Linear layer written by hand (ディープラーニング工作室 ch. 6).

Registration and initialisation are judged by rules (`_judge_parameters`, `_judge_init`), since
the reference's initial values are random: only their statistics can be compared. Forward and
gradients are compared with the reference after loading the same state_dict, saved from a
seeded `nn.Linear`, into both. Sizes have in_features != out_features everywhere, so a weight
stored (in, out) cannot pass by accident.

Bias initialisation: nn.Linear draws the bias from U(-1/sqrt(in), 1/sqrt(in)); the book's own
code draws it from U(-1/in, 1/in) (catalogue seed-001 §0.3-1). Both are accepted: the bias must
lie within +-1/sqrt(in), be centred on 0 and be spread at least as much as U(-1/in, 1/in) is.
The weight has no such leeway: U(-1/sqrt(in), 1/sqrt(in)), checked by its bound, standard
deviation, mean and range.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from grader import how, keys
from grader.compare import Comparison, Mismatch
from grader.probes import Run, backward, grad_of
from grader.sandbox.protocol import Observed, type_name
from grader.spec import Check, Exercise, Seen, Tolerance, rand

CLASS = "MyLinear"
IN, OUT = 4, 5  # in != out, so a transposed weight shows
PARAMS = ("weight", "bias")
INIT_IN, INIT_OUT = 100, 1000  # 100,000 weights: their statistics are sharp
BOUND_ROUNDING = 1e-5  # a value drawn at the init bound may exceed it by float32 rounding (relative ~6e-8)
# The init judge's bands, for 100,000 weights drawn U(-b, b) (std b/√3): a sample's std is within 1% of b/√3 and
# its mean within 0.01·b of 0, so the bands fail another distribution, not another draw.
SPREAD = (0.9, 1.1)  # the weights' std ÷ b/√3
MEAN = 0.05  # |the weights' mean| ÷ b
REACH = 0.95  # the weights' smallest and largest values reach this fraction of -b and b
BIAS_SPREAD = 0.5  # the bias's std ÷ that of the book's U(-1/in, 1/in) bias, at least (1,000 values)
BIAS_MEAN = 0.2  # |the bias's mean| ÷ b
FORBIDDEN_OPS = ("torch.nn.functional.linear", "torch._C._nn.linear", "torch.nn.functional.bilinear")
FORBIDDEN_MODULES = (nn.Linear, nn.Bilinear)  # nn.LazyLinear is an nn.Linear
# What the grader's static reading forbids in the code MyLinear reaches: these names imported from a
# module (`from torch.nn import Linear as L`), or as any attribute (`nn.Linear`, `F.linear`, `f.linear`).
FORBIDDEN_NAMES = ("Linear", "linear", "Bilinear", "bilinear", "LazyLinear")


def _call(in_f: int, out_f: int) -> str:
    return f"{CLASS}({in_f}, {out_f})"


def _forward_key(in_f: int, out_f: int, x: torch.Tensor) -> str:
    """The key of MyLinear(in_f, out_f)(x): "... with x of shape (3, 4)"."""
    return keys.call("my_linear.call.forward", layer=_call(in_f, out_f), shapes=keys.shapes(x))


def _build(run: Run, in_f: int, out_f: int) -> Any:
    return run.call(run.get(CLASS), in_f, out_f)


def _linear_state(run: Run, in_f: int, out_f: int, seed: int) -> dict[str, torch.Tensor]:
    """The state_dict of a seeded nn.Linear(in_f, out_f), at this run's device and dtype."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        linear = nn.Linear(in_f, out_f)
    return run.cast(linear).state_dict()


def _load(run: Run, module: Any, in_f: int, out_f: int, seed: int) -> str:
    """'loaded', or why nn.Linear's state_dict does not load into the student's module."""
    if not isinstance(module, nn.Module):
        return f"{type_name(module)} is not an nn.Module"
    try:
        module.load_state_dict(_linear_state(run, in_f, out_f, seed))
    except Exception as exc:  # noqa: BLE001 - the message is the observation
        return " ".join(f"{type(exc).__name__}: {exc}".split())
    return "loaded"


def _kind(value: Any) -> str:
    if value is None:
        return "missing"
    if isinstance(value, nn.Parameter):
        return "parameter"
    if isinstance(value, torch.Tensor):
        return "tensor"
    return type_name(value)


# --- registration: names, shapes, Parameter-ness, trainability, state_dict loading ---------

def _parameters(run: Run) -> dict[str, Any]:
    module = _build(run, IN, OUT)
    if not isinstance(module, nn.Module):
        return {"module": type_name(module)}
    return {
        "parameters": {name: {"shape": list(p.shape), "requires_grad": bool(p.requires_grad),
                              "dtype": str(p.dtype).removeprefix("torch.")}
                       for name, p in module.named_parameters()},
        "attributes": {name: _kind(getattr(module, name, None)) for name in PARAMS},
        "load": _load(run, module, IN, OUT, seed=1),
    }


def _plain(obs: Any) -> Any:
    """Observed → plain Python (dicts, lists, scalars, tensors)."""
    if not isinstance(obs, Observed):
        return obs
    if isinstance(obs.value, dict):
        return {k: _plain(v) for k, v in obs.value.items()}
    if isinstance(obs.value, list):
        return [_plain(v) for v in obs.value]
    return obs.value


def _fail(summary: str, hint: str | None = None, **facts: Any) -> Comparison:
    return Comparison(Mismatch(summary=(summary, facts), hint=hint))


def _judge_parameters(native: dict[str, Observed], exact: dict[str, Observed],
                      got: dict[str, Observed]) -> Comparison:
    call = _call(IN, OUT)
    g = {key: _plain(value) for key, value in got.items()}
    expected = _plain(native["parameters"])
    if "module" in g or not isinstance(g.get("parameters"), dict):
        return _fail("my_linear.not_module", "hint.my_linear.module", call=call, got=str(g.get("module", "?")))
    params: dict[str, Any] = g["parameters"]
    attributes: dict[str, Any] = g["attributes"] if isinstance(g.get("attributes"), dict) else {}
    extra = [name for name in params if name not in expected]
    for name, spec in expected.items():
        have = params.get(name)
        if not isinstance(have, dict):
            if attributes.get(name) == "tensor":
                return _fail("my_linear.not_parameter", "hint.my_linear.parameter", call=call, name=name)
            if extra:
                hint = "hint.my_linear.no_linear" if any("." in n for n in extra) else "hint.my_linear.names"
                return _fail("my_linear.wrong_names", hint, call=call,
                             got=", ".join(params), expected=", ".join(expected))
            return _fail("my_linear.missing_parameter",
                         "hint.my_linear.bias" if name == "bias" else "hint.my_linear.names", call=call, name=name)
        if have.get("shape") != spec["shape"]:
            shape = have.get("shape")
            layout = isinstance(shape, list) and sorted(shape) == sorted(spec["shape"])
            return _fail("my_linear.wrong_param_shape", "hint.my_linear.weight_layout" if layout else None,
                         call=call, name=name, got=tuple(shape) if isinstance(shape, list) else shape,
                         expected=tuple(spec["shape"]))
        if have.get("requires_grad") is not True:
            return _fail("my_linear.frozen", "hint.my_linear.frozen", call=call, name=name)
        if have.get("dtype") != spec["dtype"]:
            return _fail("my_linear.param_dtype", "hint.float64_leak" if have.get("dtype") == "float64" else None,
                         call=call, name=name, got=str(have.get("dtype")), expected=spec["dtype"])
    if extra:
        hint = "hint.my_linear.no_linear" if any("." in name for name in extra) else "hint.my_linear.names"
        return _fail("my_linear.extra_parameters", hint, call=call, names=", ".join(extra))
    if g.get("load") != "loaded":
        return _fail("my_linear.load_failed", "hint.my_linear.names", call=call, in_features=IN,
                     out_features=OUT, message=str(g.get("load"))[:300])
    return Comparison()


# --- initialisation: U(-1/sqrt(in), 1/sqrt(in)) by its statistics ---------------------------

def _init(run: Run) -> dict[str, Any]:
    """The initial weight and bias; under other names, the 2-D and the 1-D parameter (the
    names are the parameters check's business, so a misnamed but well initialised layer passes)."""
    module = _build(run, INIT_IN, INIT_OUT)
    registered = list(module.named_parameters()) if isinstance(module, nn.Module) else []
    out: dict[str, Any] = {}
    for name, dims in (("weight", 2), ("bias", 1)):
        value = getattr(module, name, None)
        if not isinstance(value, torch.Tensor):
            value = next((p for _, p in registered if p.dim() == dims), value)
        out[name] = value.detach().clone() if isinstance(value, torch.Tensor) else _kind(value)
    return out


def _judge_init(native: dict[str, Observed], exact: dict[str, Observed], got: dict[str, Observed]) -> Comparison:
    call = _call(INIT_IN, INIT_OUT)
    bound = 1 / math.sqrt(INIT_IN)
    uniform_std = bound / math.sqrt(3)
    book_std = (1 / INIT_IN) / math.sqrt(3)  # the book's U(-1/in, 1/in) bias
    facts = {"call": call, "bound": f"{bound:.4g}"}
    for name in PARAMS:
        obs = got.get(name)
        if obs is None or not obs.is_tensor or obs.value.numel() == 0 or not obs.value.is_floating_point():
            shown = "nothing" if obs is None else (obs.value if isinstance(obs.value, str) else obs.type)
            hint = "hint.my_linear.parameter" if shown != "missing" else (
                "hint.my_linear.bias" if name == "bias" else "hint.my_linear.names")
            return _fail("my_linear.init_missing", hint, name=name, got=str(shown), **facts)
        t = obs.value.double()
        if not bool(torch.isfinite(t).all()):
            return _fail("my_linear.init_nonfinite", "hint.my_linear.init", name=name, **facts)
        low, high = float(t.min()), float(t.max())
        if low == high:
            return _fail("my_linear.init_constant", "hint.my_linear.init", name=name, value=f"{low:.4g}", **facts)
        biggest = max(abs(low), abs(high))
        if biggest > bound * (1 + BOUND_ROUNDING):
            return _fail("my_linear.init_bound", "hint.my_linear.init", name=name, got=f"{biggest:.4g}", **facts)
        std, mean = float(t.std()), float(t.mean())
        if name == "weight":
            if not SPREAD[0] * uniform_std <= std <= SPREAD[1] * uniform_std:
                return _fail("my_linear.init_spread", "hint.my_linear.init", name=name, got=f"{std:.4g}",
                             expected=f"{uniform_std:.4g}", **facts)
            if abs(mean) > MEAN * bound:
                return _fail("my_linear.init_mean", "hint.my_linear.init", name=name, got=f"{mean:.4g}", **facts)
            if low > -REACH * bound or high < REACH * bound:
                return _fail("my_linear.init_range", "hint.my_linear.init", name=name, low=f"{low:.4g}",
                             high=f"{high:.4g}", **facts)
        else:
            if std < BIAS_SPREAD * book_std:
                return _fail("my_linear.init_spread", "hint.my_linear.init", name=name, got=f"{std:.4g}",
                             expected=f"{uniform_std:.4g}", **facts)
            if abs(mean) > BIAS_MEAN * bound:
                return _fail("my_linear.init_mean", "hint.my_linear.init", name=name, got=f"{mean:.4g}", **facts)
    return Comparison()


# --- forward and gradients, after loading nn.Linear's state_dict ------------------------------

def _loaded(run: Run, in_f: int, out_f: int, seed: int) -> tuple[Any, dict[str, Any]]:
    module = _build(run, in_f, out_f)
    if isinstance(module, nn.Module):
        module = run.cast(module)
    key = f"{_call(in_f, out_f)}.load_state_dict(nn.Linear({in_f}, {out_f}).state_dict())"
    return module, {key: _load(run, module, in_f, out_f, seed)}


def _outputs(run: Run, cases: list[tuple[int, int, tuple[int, ...], int]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    modules: dict[tuple[int, int], Any] = {}
    for in_f, out_f, shape, seed in cases:
        if (in_f, out_f) not in modules:
            module, loaded = _loaded(run, in_f, out_f, seed=in_f * 10 + out_f)
            out.update(loaded)
            if "loaded" not in loaded.values():
                return out  # the comparison reports why it did not load
            modules[(in_f, out_f)] = module
        x = run.make(rand(*shape, seed=seed))
        out[_forward_key(in_f, out_f, x)] = run.call(modules[(in_f, out_f)], x)
    return out


def _forward(run: Run) -> dict[str, Any]:
    return _outputs(run, [(IN, OUT, (3, IN), 21), (6, 2, (5, 6), 22), (3, 1, (4, 3), 23)])


def _leading_dims(run: Run) -> dict[str, Any]:
    return _outputs(run, [(IN, OUT, (2, 3, IN), 24), (IN, OUT, (IN,), 25), (3, 1, (2, 1, 3), 26)])


def _gradients(run: Run) -> dict[str, Any]:
    module, out = _loaded(run, IN, OUT, seed=2)
    if "loaded" not in out.values():
        return out
    leaves = {name: getattr(module, name, None) for name in PARAMS}  # before forward can touch them
    x = run.make(rand(3, IN, seed=27)).requires_grad_(True)
    called = _forward_key(IN, OUT, x)
    result = run.call(module, x)
    out[called] = result
    if backward(result):
        for name, leaf in leaves.items():
            if isinstance(leaf, torch.Tensor):
                out[keys.gradient(name, of=called)] = grad_of(leaf)
        out[keys.gradient("x", of=called)] = grad_of(x)
    return out


# --- no nn.Linear / F.linear inside ------------------------------------------------------------
# Decided by the grader's reading of the source (how.forbidden); the worker's record of the modules
# and torch functions that ran is kept, and can only make the check fail.

def _forbidden(run: Run) -> dict[str, Any]:
    module = _build(run, IN, OUT)
    used: list[str] = []
    if isinstance(module, nn.Module):
        module = run.cast(module)
        for sub in module.modules():
            used += [f"nn.{base.__name__}" for base in FORBIDDEN_MODULES if isinstance(sub, base)]
        run.call(module, run.make(rand(3, IN, seed=28)))
    used += run.uses(*FORBIDDEN_OPS)
    return {"forbidden": sorted(set(used))}


def _judge_forbidden(native: dict[str, Observed], exact: dict[str, Observed],
                     got: dict[str, Observed], seen: Seen) -> Comparison:
    verdict = how.forbidden(seen, FORBIDDEN_NAMES, (CLASS,), "hint.my_linear.no_linear")
    if verdict is not None:
        return verdict
    used = _plain(got.get("forbidden"))
    if not isinstance(used, list):
        return _fail("not_observed", what="forbidden")
    if used:  # the worker's word, shown only where it is one of the names the probe records
        known = {f"nn.{base.__name__}" for base in FORBIDDEN_MODULES} | set(FORBIDDEN_OPS)
        names = sorted({u for u in used if u in known}) or ["nn.Linear"]
        return _fail("forbidden", "hint.my_linear.no_linear", names=", ".join(names))
    return Comparison()


EXERCISE = Exercise(
    name="my_linear",
    source="ディープラーニング工作室 (Deep Learning Workshop) ch. 6",
    entry=(CLASS,),
    checks=(
        Check(id="parameters", points=1, probe=_parameters, judge=_judge_parameters),
        Check(id="init", points=1,
              probe=_init, judge=_judge_init),
        Check(id="forward", points=1,
              probe=_forward, needs=("parameters",), tolerance=Tolerance(reduction=6),
              hint="hint.my_linear.forward"),
        Check(id="leading_dims", points=1,
              probe=_leading_dims, needs=("forward",), tolerance=Tolerance(reduction=6),
              hint="leading_dims", hint_on_raise=True),
        Check(id="grad", points=1, probe=_gradients,
              needs=("forward",), tolerance=Tolerance(reduction=6), hint="hint.my_linear.grad"),
        Check(id="no_linear", points=1,
              probe=_forbidden, needs=("forward",), judge=_judge_forbidden, sees=True),
    ),
)
