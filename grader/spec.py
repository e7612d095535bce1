"""What an exercise is: its checks, their points, order, tolerances and inputs, as data."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from grader.static import Reading

DType = Literal["float32", "float64", "float16", "bfloat16", "int64", "int32", "bool"]


class TensorSpec(BaseModel):
    """A tensor described, not built: the same spec gives the same tensor in every process."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    shape: tuple[int, ...] = ()
    dtype: DType = "float32"
    seed: int = 0
    dist: Literal["normal", "uniform", "randint"] = "normal"
    low: float = 0.0
    high: float = 1.0
    values: tuple[Any, ...] | None = None  # explicit values instead of random ones
    requires_grad: bool = False


def rand(*shape: int, seed: int = 0, dtype: DType = "float32", requires_grad: bool = False) -> TensorSpec:
    """Standard-normal values of the given shape."""
    return TensorSpec(shape=shape, seed=seed, dtype=dtype, requires_grad=requires_grad)


def uniform(*shape: int, low: float, high: float, seed: int = 0, dtype: DType = "float32") -> TensorSpec:
    return TensorSpec(shape=shape, seed=seed, dtype=dtype, dist="uniform", low=low, high=high)


def const(values: Any, dtype: DType = "float32", requires_grad: bool = False) -> TensorSpec:
    """A tensor with these exact values (a nested list or a number)."""
    return TensorSpec(values=(values,), dtype=dtype, requires_grad=requires_grad)


def labels(*shape: int, seed: int, dtype: DType = "int64") -> TensorSpec:
    """Random 0/1 labels (for fastbook's 3-vs-7 classifier: 1 = a 3, 0 = a 7)."""
    return TensorSpec(shape=shape, seed=seed, dist="randint", low=0, high=2, dtype=dtype)


def logits(*shape: int, seed: int, dtype: DType = "float32") -> TensorSpec:
    """Logits uniform in [-6, 6]: both tails of the sigmoid and its steep middle."""
    return uniform(*shape, low=-6, high=6, seed=seed, dtype=dtype)


class Tolerance(BaseModel):
    """How far a floating-point result may be from the float64 reference.

    `rtol`/`atol` default to `torch.testing`'s values for the result's dtype. `reduction`
    is the number of terms summed into one output element (K of a matmul): rounding
    error grows with it, so both tolerances are scaled by sqrt(reduction).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    rtol: float | None = None
    atol: float | None = None
    reduction: int = 1

    @model_validator(mode="after")
    def _both_or_neither(self) -> Tolerance:
        # As in torch.testing: one tolerance without the other leads to surprising results.
        if (self.rtol is None) != (self.atol is None):
            raise ValueError("give both rtol and atol, or neither")
        return self


@dataclass(frozen=True)
class Seen:
    """What the grader saw itself, never what the student's process said: given to judges that ask
    for it (`Check.sees`), to decide how-checks.

    `cpu`: CPU seconds (user + system, all threads, as the kernel counts them) the worker spent on
    this check's probe, read by the grader from outside; `reference_cpu`: the same for the reference
    on the same probe, in the grader. Either is None when it could not be measured (a worker started
    for this very probe also spent time loading the file).
    """

    reading: Reading = field(default_factory=Reading)
    cpu: float | None = None
    reference_cpu: float | None = None


Probe = Callable[[Any], dict[str, Any]]
Judge = Callable[..., Any]  # (native, exact, got), plus a Seen when the check `sees`, plus tolerance= if it takes one


class Check(BaseModel):
    """One graded check: a probe that runs the student's code, and how its result is judged.

    The probe runs in the sandbox on the student's namespace and in the grader on the
    reference's; it returns observations keyed by what was called. By default every
    observation must match the reference's (`compare.py`); `judge` replaces that rule.
    A judge that compares numbers declares a `tolerance` parameter and is given the check's
    `tolerance` (bound here, so every caller judges at it); any other closeness it decides is
    a named Tolerance of its exercise, with the reason.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str = ""  # from the exercise's text.toml, filled in when the bank loads it
    points: float = Field(gt=0)
    probe: Probe
    needs: tuple[str, ...] = ()
    hint: str | None = None  # the hint shown when the check fails: "x" for the exercise's own hint.<exercise>.x, or an id
    tolerance: Tolerance = Tolerance()
    values: bool = True  # False: compare types, shapes, dtypes and autograd facts only
    reference: Literal["float64", "native"] = "float64"
    timeout: float | None = None  # seconds; None means the exercise's
    judge: Judge | None = None
    sees: bool = False  # the judge also takes a Seen (what the grader read and measured itself)
    hidden: bool = False  # only the title and a fixed sentence are shown
    hint_on_raise: bool = False  # the hint also explains what makes the check's call raise (e.g. a shape)
    factor_hints: tuple[str, ...] = ()  # hints (the check's, or its judge's) that already name a constant factor

    @model_validator(mode="after")
    def _sees_needs_a_judge(self) -> Check:
        if self.sees and self.judge is None:
            raise ValueError(f"{self.id}: a check that sees needs a judge to give it to")
        return self

    @model_validator(mode="after")
    def _judge_gets_the_tolerance(self) -> Check:
        return self._bind_tolerance()

    def _bind_tolerance(self) -> Check:
        judge = self.judge.func if isinstance(self.judge, _AtTolerance) else self.judge
        if judge is not None and _takes_tolerance(judge):
            object.__setattr__(self, "judge", _AtTolerance(judge, tolerance=self.tolerance))
        return self

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Check:
        """A copy, whose judge is bound to the copy's tolerance (a copy is not validated again)."""
        return super().model_copy(update=update, deep=deep)._bind_tolerance()


class _AtTolerance(functools.partial[Any]):
    """A judge with its check's tolerance bound (`Check._judge_gets_the_tolerance`)."""


def _takes_tolerance(judge: Judge) -> bool:
    try:
        return "tolerance" in inspect.signature(judge).parameters
    except (TypeError, ValueError):  # a callable without a signature to read takes no tolerance
        return False


class Exercise(BaseModel):
    """An exercise: the names a submission must define and the checks that grade them."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str = ""  # from the exercise's text.toml, filled in when the bank loads it
    source: str
    entry: tuple[str, ...]  # the public names the student's file defines
    checks: tuple[Check, ...]
    timeout: float = 10.0  # seconds per check
    memory_mb: int = 2048  # per check, on top of what torch itself maps
    bank: str = "builtin"  # the bank it was loaded from (set by the bank)

    @model_validator(mode="after")
    def _needs_come_first(self) -> Exercise:
        seen: set[str] = set()
        for check in self.checks:
            if check.id in seen:
                raise ValueError(f"{self.name}: check id '{check.id}' is used twice")
            missing = [n for n in check.needs if n not in seen]
            if missing:
                raise ValueError(f"{self.name}.{check.id} needs {missing}, which must come before it")
            seen.add(check.id)
        return self

    @property
    def ref(self) -> str:
        """"bank:name": what names this exercise in every process (a worker, a Dask worker)."""
        return f"{self.bank}:{self.name}"

    @property
    def max_score(self) -> float:
        return sum(c.points for c in self.checks)

    def check(self, check_id: str) -> Check:
        return next(c for c in self.checks if c.id == check_id)
