"""What a check's probe works with: the code under test, its inputs, and how to call it.

The same probe runs on the student's namespace (in the sandbox) and on the reference's
(in the grader, once at the student's dtypes and once upcast to float64). It returns
observations keyed by what was called, in the student's names.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import torch
from torch.overrides import TorchFunctionMode, resolve_name

from grader.spec import TensorSpec

DTYPES = {
    "float32": torch.float32, "float64": torch.float64, "float16": torch.float16,
    "bfloat16": torch.bfloat16, "int64": torch.int64, "int32": torch.int32, "bool": torch.bool,
}


class MissingName(Exception):
    """The submission does not define a name the exercise needs."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class _Recorder(TorchFunctionMode):
    """Records which torch functions ran, as torch itself dispatched them."""

    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []

    def __torch_function__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        self.names.append(resolve_name(func) or getattr(func, "__name__", repr(func)))
        return func(*args, **(kwargs or {}))


class Run:
    """One probe run: the namespace under test, the device, and whether to upcast to float64."""

    def __init__(self, ns: dict[str, Any], *, device: str = "cpu", upcast: bool = False, student: bool = True) -> None:
        self.ns = ns
        self.device = torch.device(device)
        self.upcast = upcast
        self.student = student
        self.ops: list[str] = []  # torch functions the code under test ran, in order

    @property
    def float_dtype(self) -> torch.dtype:
        return torch.float64 if self.upcast else torch.float32

    def get(self, name: str) -> Any:
        """A name the submission must define."""
        if name not in self.ns:
            raise MissingName(name)
        return self.ns[name]

    def make(self, spec: TensorSpec) -> torch.Tensor:
        """The tensor `spec` describes, on this run's device (float32 → float64 when upcast).

        Random values are drawn in float64 and rounded to the spec's dtype, so the upcast
        reference sees exactly the numbers the student's code sees.
        """
        dtype = DTYPES[spec.dtype]
        gen = torch.Generator().manual_seed(spec.seed)
        if spec.values is not None:
            t = torch.tensor(spec.values[0], dtype=dtype)
        elif spec.dist == "randint":
            t = torch.randint(int(spec.low), int(spec.high), spec.shape, generator=gen).to(dtype)
        elif spec.dist == "uniform":
            t = (torch.rand(spec.shape, generator=gen, dtype=torch.float64) * (spec.high - spec.low) + spec.low).to(dtype)
        else:
            t = torch.randn(spec.shape, generator=gen, dtype=torch.float64).to(dtype)
        if self.upcast and dtype == torch.float32:
            t = t.to(torch.float64)
        t = t.to(self.device)
        return t.requires_grad_(True) if spec.requires_grad else t

    def cast(self, module: torch.nn.Module) -> torch.nn.Module:
        """Move a module to this run's device and float dtype."""
        return module.to(device=self.device, dtype=self.float_dtype)

    def call(self, fn: Callable[..., Any], *args: Any, record: bool = True, **kwargs: Any) -> Any:
        """Call code under test, recording the torch functions it runs (`record=False`: not, for a tight loop of
        calls whose check does not ask which functions ran: recording costs more than a small call itself)."""
        if not record:
            return fn(*args, **kwargs)
        with self.recording():
            return fn(*args, **kwargs)

    @contextmanager
    def recording(self) -> Iterator[None]:
        recorder = _Recorder()
        try:
            with recorder:
                yield
        finally:
            self.ops.extend(recorder.names)

    def uses(self, *names: str) -> list[str]:
        """Which of these torch functions the code under test ran."""
        return sorted({op for op in self.ops if op in names})


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (all devices), so a check is repeatable."""
    import numpy as np

    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def backward(out: Any, seed: int = 1234) -> bool:
    """Backpropagate a fixed random cotangent from `out`; False if there is no graph to use.

    A random cotangent rather than `.sum()` makes a permuted or transposed result show up
    in the gradients too.
    """
    if not isinstance(out, torch.Tensor) or type(out) is not torch.Tensor:
        return False
    if not out.requires_grad or out.grad_fn is None or not out.is_floating_point():
        return False
    gen = torch.Generator().manual_seed(seed)
    cotangent = torch.randn(out.shape, generator=gen, dtype=torch.float64).to(out.dtype).to(out.device)
    # The same gradients as out.backward(cotangent), which would make torch import
    # torch.fx.experimental.symbolic_shapes (~0.4 s) in every process that grades.
    (out * cotangent).sum().backward()
    return True


def grad_of(t: torch.Tensor) -> Any:
    """The gradient that reached `t`, or None."""
    return None if t.grad is None else t.grad.detach().clone()


def shapes(*tensors: torch.Tensor) -> str:
    """'shapes (4, 1) and (5,)' — how a call's inputs are named in feedback."""
    parts = [str(tuple(t.shape)) for t in tensors]
    joined = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"shape{'s' if len(parts) > 1 else ''} {joined}"
