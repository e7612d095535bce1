"""The plain data that crosses the process boundary: observations, encoded and decoded.

Student code may return anything (a Tensor subclass that lies, a numpy array, an object
with a hostile `__eq__`). In the sandbox every value is reduced to facts: its exact type
name and, for tensors, a plain CPU copy of the data plus its autograd facts. Tensors
travel through `torch.save` and are read back with `weights_only=True`; everything else
is JSON. Nothing the sandbox writes is ever unpickled.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

MAX_ITEMS = 4096  # longer sequences are cut: the rest is never needed to grade
MAX_TEXT = 300


@dataclass(frozen=True)
class Observed:
    """One value as the grader sees it, whichever side produced it."""

    type: str  # exact type of what the code produced: 'torch.Tensor', 'float', 'list', ...
    value: Any  # plain tensor, Python scalar/str/None, list[Observed] or dict[str, Observed]
    requires_grad: bool = False
    grad_fn: str | None = None
    device: str = "cpu"
    length: int | None = None  # a sequence's true length when it was cut

    @property
    def is_tensor(self) -> bool:
        return isinstance(self.value, torch.Tensor)


def type_name(obj: Any) -> str:
    cls = type(obj)  # type(), not obj.__class__, which a subclass can fake
    module = cls.__module__
    if module == "builtins":
        return cls.__qualname__
    if cls is torch.Tensor:
        return "torch.Tensor"
    return f"{module}.{cls.__qualname__}"


def plain_tensor(t: torch.Tensor) -> torch.Tensor:
    """A detached CPU copy of the data, as a base `torch.Tensor`, whatever `t`'s class."""
    with torch._C.DisableTorchFunctionSubclass():
        data = torch.Tensor.detach(t)
        if data.is_sparse or data.layout != torch.strided:
            data = data.to_dense()
        data = data.to("cpu", copy=True).contiguous()
    return data.as_subclass(torch.Tensor)


def observe(value: Any, depth: int = 0) -> Observed:
    """Reduce any value to facts (runs in the sandbox, and in the grader on the reference)."""
    name = type_name(value)
    if isinstance(value, torch.Tensor):
        with torch._C.DisableTorchFunctionSubclass():
            grad_fn = torch.Tensor.grad_fn.__get__(value)  # type: ignore[attr-defined]
            return Observed(
                type=name,
                value=plain_tensor(value),
                requires_grad=bool(torch.Tensor.requires_grad.__get__(value)),  # type: ignore[attr-defined]
                grad_fn=type(grad_fn).__name__ if grad_fn is not None else None,
                device=str(torch.Tensor.device.__get__(value)),  # type: ignore[attr-defined]
            )
    if value is None or type(value) in (bool, int, float, str):
        text = value[:MAX_TEXT] if isinstance(value, str) else value
        return Observed(type=name, value=text)
    if type(value).__module__ == "numpy":
        return _observe_numpy(value, name)
    if type(value) in (list, tuple) and depth < 8:
        items = [observe(v, depth + 1) for v in list(value)[:MAX_ITEMS]]
        cut = len(value) if len(value) > MAX_ITEMS else None
        return Observed(type=name, value=items, length=cut)
    if type(value) is dict and depth < 8:
        return Observed(type=name, value={str(k): observe(v, depth + 1) for k, v in list(value.items())[:MAX_ITEMS]})
    return Observed(type=name, value=_safe_repr(value))


def _observe_numpy(value: Any, name: str) -> Observed:
    import numpy as np

    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        return Observed(type=name, value=torch.from_numpy(np.array(value, copy=True)))
    if isinstance(value, np.generic) and value.dtype.kind in "biuf":
        return Observed(type=name, value=value.item())
    return Observed(type=name, value=_safe_repr(value))


def _safe_repr(value: Any) -> str:
    try:
        return repr(value)[:MAX_TEXT]
    except Exception:  # a hostile __repr__ is the student's problem, not ours
        return f"<{type_name(value)} object>"


def to_plain(obs: Observed, tensors: list[torch.Tensor]) -> Any:
    """Observed → JSON-able data, with tensors moved into `tensors` and referred to by index."""
    value: Any = obs.value
    if isinstance(value, torch.Tensor):
        tensors.append(value)
        value = {"tensor": len(tensors) - 1}
    elif isinstance(value, list):
        value = [to_plain(v, tensors) for v in value]
    elif isinstance(value, dict):
        value = {k: to_plain(v, tensors) for k, v in value.items()}
    return {
        "type": obs.type, "value": value, "requires_grad": obs.requires_grad,
        "grad_fn": obs.grad_fn, "device": obs.device, "length": obs.length,
    }


def from_plain(data: Any, tensors: dict[str, torch.Tensor]) -> Observed:
    """The inverse of `to_plain`; checks every field, since the sandbox may have forged them."""
    if not isinstance(data, dict):
        raise ValueError("malformed observation")
    value = data.get("value")
    if isinstance(value, dict) and set(value) == {"tensor"} and data.get("type") != "dict":
        tensor = tensors[str(int(value["tensor"]))]
        if type(tensor) is not torch.Tensor:
            raise ValueError("a non-plain tensor came back")
        value = tensor
    elif isinstance(value, list):
        value = [from_plain(v, tensors) for v in value]
    elif isinstance(value, dict):
        value = {str(k): from_plain(v, tensors) for k, v in value.items()}
    elif value is not None and not isinstance(value, (bool, int, float, str)):
        raise ValueError("malformed observation value")
    grad_fn = data.get("grad_fn")
    length = data.get("length")
    return Observed(
        type=str(data.get("type", "?"))[:MAX_TEXT],
        value=value,
        requires_grad=bool(data.get("requires_grad", False)),
        grad_fn=None if grad_fn is None else str(grad_fn)[:MAX_TEXT],
        device=str(data.get("device", "cpu"))[:50],
        length=None if length is None else int(length),
    )


def write(observations: dict[str, Observed], path: Path) -> str:
    """Save the tensors of `observations` to `path`; return the rest as JSON."""
    tensors: list[torch.Tensor] = []
    plain = {key: to_plain(obs, tensors) for key, obs in observations.items()}
    torch.save({str(i): t for i, t in enumerate(tensors)}, path)
    return json.dumps(plain)


def read(text: str, path: Path) -> dict[str, Observed]:
    """Load what `write` produced, trusting nothing in it."""
    tensors = torch.load(path, weights_only=True, map_location="cpu")
    if not isinstance(tensors, dict):
        raise ValueError("malformed tensor file")
    plain = json.loads(text)
    if not isinstance(plain, dict):
        raise ValueError("malformed observations")
    return {str(key): from_plain(value, tensors) for key, value in plain.items()}


def roundtrip(observations: dict[str, Any]) -> dict[str, Observed]:
    """Observe values in-process exactly as the sandbox would (used for the reference)."""
    return {key: observe(value) for key, value in observations.items()}
