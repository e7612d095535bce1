"""The plain data that crosses the process boundary: observations, encoded and decoded.

Student code may return anything (a Tensor subclass that lies, a numpy array, an object
with a hostile `__eq__`). In the sandbox every value is reduced to facts: its exact type
name and, for tensors, a plain CPU copy of the data plus its autograd facts.

Between the worker and the grader, observations travel as one message: a JSON header
(the facts, with each tensor described by dtype, shape and byte range) followed by the
tensors' raw bytes. Decoding is plain parsing: no pickle, no `torch.load`, every field
checked and every size bounded, because the worker runs student code and anything it
sends may be forged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch

from grader.sandbox.framing import MAX_TENSOR_BYTES as MAX_TENSOR_BYTES  # all of one probe's tensors
from grader.sandbox.framing import TooLarge as TooLarge

MAX_ITEMS = 4096  # longer sequences are cut: the rest is never needed to grade
MAX_TEXT = 300
MAX_DEPTH = 8  # deeper containers are shown by their repr
MAX_NODES = 100_000  # values in one probe's observations, all containers together
MAX_DIMS = 64
ALIGN = 64  # each tensor's bytes start at a multiple of this in a message
MAX_INT = 2**1023  # larger integers are observed as this (float64's range; the grader compares them as floats)

# Captured when the module is imported (before any student code runs in the worker), so a
# student who replaces `builtins.type` or `builtins.isinstance` does not change what we see.
_type = type
_isinstance = isinstance
_len = len

DTYPES: dict[str, torch.dtype] = {
    str(dtype).removeprefix("torch."): dtype
    for dtype in (torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.complex64,
                  torch.complex128, torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64, torch.bool)
}


class Malformed(ValueError):
    """What came back from the sandbox is not something `encode` could have produced."""


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
        return _isinstance(self.value, torch.Tensor)


# The names the grader compares types by, and the one class each may stand for.
_REAL: dict[str, type] = {
    "torch.Tensor": torch.Tensor, "bool": bool, "int": int, "float": float, "str": str,
    "list": list, "tuple": tuple, "dict": dict, "NoneType": _type(None),
}


def type_name(obj: Any) -> str:
    cls = _type(obj)  # type(), not obj.__class__, which a subclass can fake
    if cls is torch.Tensor:
        return "torch.Tensor"
    module, qualname = str(cls.__module__), str(cls.__qualname__)
    name = qualname if module == "builtins" else f"{module}.{qualname}"
    if name in _REAL and cls is not _REAL[name]:  # e.g. `class Tensor(torch.Tensor): __module__ = "torch"`
        name = f"{name} (look-alike {_type(cls).__name__} {qualname} from {module})"
    return name


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
    if issubclass(_type(value), torch.Tensor):  # not isinstance(), which trusts a faked __class__
        with torch._C.DisableTorchFunctionSubclass():
            grad_fn = _slot("grad_fn", value)
            device = _slot("device", value)
            return Observed(
                type=name,
                # A meta tensor has a shape and a dtype but no data to copy: its value is those facts.
                value=plain_tensor(value) if device.type != "meta" else
                f"shape {tuple(_slot('shape', value))}, {str(_slot('dtype', value)).removeprefix('torch.')}"[:MAX_TEXT],
                requires_grad=bool(_slot("requires_grad", value)),
                grad_fn=_type(grad_fn).__name__ if grad_fn is not None else None,
                device=str(device),
            )
    if value is None or _type(value) in (bool, int, float, str):
        if _type(value) is str:
            value = value[:MAX_TEXT]
        elif _type(value) is int and not -MAX_INT <= value <= MAX_INT:
            value = MAX_INT if value > 0 else -MAX_INT  # so that float(value) works: it is compared as one
        return Observed(type=name, value=value)
    if _type(value).__module__ == "numpy":
        return _observe_numpy(value, name)
    if _type(value) in (list, tuple) and depth < MAX_DEPTH:
        items = [observe(v, depth + 1) for v in list(value)[:MAX_ITEMS]]
        cut = _len(value) if _len(value) > MAX_ITEMS else None
        return Observed(type=name, value=items, length=cut)
    if _type(value) is dict and depth < MAX_DEPTH:
        return Observed(type=name, value={str(k): observe(v, depth + 1) for k, v in list(value.items())[:MAX_ITEMS]})
    return Observed(type=name, value=_safe_repr(value))


def _slot(name: str, tensor: torch.Tensor) -> Any:
    """`tensor.<name>` as torch.Tensor defines it, whatever a subclass overrides."""
    return getattr(torch.Tensor, name).__get__(tensor)


def _observe_numpy(value: Any, name: str) -> Observed:
    import numpy as np

    if _isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        return Observed(type=name, value=torch.from_numpy(np.array(value, copy=True)))
    if _isinstance(value, np.generic) and value.dtype.kind in "biuf":
        return Observed(type=name, value=value.item())
    return Observed(type=name, value=_safe_repr(value))


def _safe_repr(value: Any) -> str:
    try:
        return str(repr(value))[:MAX_TEXT]
    except Exception:  # a hostile __repr__ is the student's problem, not ours
        return f"<{type_name(value)} object>"


def to_plain(obs: Observed, tensors: list[torch.Tensor]) -> Any:
    """Observed → JSON-able data, with tensors moved into `tensors` and referred to by index."""
    value: Any = obs.value
    if _isinstance(value, torch.Tensor):
        tensors.append(value)
        value = {"tensor": _len(tensors) - 1}
    elif _isinstance(value, list):
        value = [to_plain(v, tensors) for v in value]
    elif _isinstance(value, dict):
        value = {k: to_plain(v, tensors) for k, v in value.items()}
    return {
        "type": obs.type, "value": value, "requires_grad": obs.requires_grad,
        "grad_fn": obs.grad_fn, "device": obs.device, "length": obs.length,
    }


class _Budget:
    """Counts the values decoded, so a forged message cannot make the grader build millions."""

    def __init__(self) -> None:
        self.left = MAX_NODES

    def spend(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise Malformed("too many values")


def from_plain(data: Any, tensors: Any, _budget: _Budget | None = None, _depth: int = 0) -> Observed:
    """The inverse of `to_plain`; checks every field, since the sandbox may have forged them.

    `tensors` maps a tensor's index (as a string or an int) to the plain tensor.
    """
    budget = _budget or _Budget()
    budget.spend()
    if _type(data) is not dict or _depth > MAX_DEPTH + 1:
        raise Malformed("malformed observation")
    kind = data.get("type", "?")
    if _type(kind) is not str:
        raise Malformed("malformed observation type")
    value = data.get("value")
    if _type(value) is dict and set(value) == {"tensor"} and kind != "dict":
        value = _tensor_at(tensors, value["tensor"])
    elif _type(value) is list:
        value = [from_plain(v, tensors, budget, _depth + 1) for v in value[:MAX_ITEMS]]
    elif _type(value) is dict:
        value = {str(k)[:MAX_TEXT]: from_plain(v, tensors, budget, _depth + 1)
                 for k, v in list(value.items())[:MAX_ITEMS]}
    elif value is not None and _type(value) not in (bool, int, float, str):
        raise Malformed("malformed observation value")
    if _type(value) is str:
        value = value[:MAX_TEXT]
    if not _consistent(kind, value):
        raise Malformed(f"a value of type {kind[:40]} that is not one")
    grad_fn = data.get("grad_fn")
    length = data.get("length")
    if length is not None and (_type(length) is not int or not 0 <= length < 2**63):
        raise Malformed("malformed length")
    return Observed(
        type=kind[:MAX_TEXT],
        value=value,
        requires_grad=data.get("requires_grad") is True,
        grad_fn=None if grad_fn is None else str(grad_fn)[:MAX_TEXT],
        device=str(data.get("device", "cpu"))[:50],
        length=length,
    )


def _consistent(kind: str, value: Any) -> bool:
    """Whether `value` is what an observation of type `kind` holds (the sandbox may have forged both)."""
    if kind in ("list", "tuple"):  # a str: the repr of one nested too deep
        return _type(value) is list or _type(value) is str
    if kind == "dict":
        return _type(value) is dict or _type(value) is str
    if kind == "float":
        return _type(value) is float
    if kind == "int":
        return _type(value) is int and -MAX_INT <= value <= MAX_INT
    if kind in ("bool", "str"):
        return _type(value) is _REAL[kind]
    if kind == "NoneType":
        return value is None
    if kind == "torch.Tensor":  # a str: the facts of a tensor without data (on device meta)
        return _type(value) is torch.Tensor or _type(value) is str
    if _type(value) is int:  # numpy integers
        return -MAX_INT <= value <= MAX_INT
    return _type(value) is not list and _type(value) is not dict  # tensors, numbers, reprs


def _tensor_at(tensors: Any, index: Any) -> torch.Tensor:
    if _type(index) is not int:
        raise Malformed("malformed tensor reference")
    try:
        tensor = tensors[index] if _isinstance(tensors, list) else tensors[str(index)]
    except (KeyError, IndexError):
        raise Malformed("missing tensor") from None
    if _type(tensor) is not torch.Tensor:
        raise Malformed("a non-plain tensor came back")
    return tensor


# -- the sandbox's message: JSON facts, then the tensors' bytes ---------------------------------


def encode(observations: dict[str, Observed]) -> tuple[dict[str, Any], list[memoryview]]:
    """Observations → (JSON-able facts, the tensors' bytes in order); `decode` is the inverse.

    The bytes, joined, are `decode`'s `blob`; each tensor starts at a multiple of ALIGN bytes (the
    padding is a chunk of zeros), so the grader can use its bytes where they are. TooLarge if they
    exceed MAX_TENSOR_BYTES.
    """
    tensors: list[torch.Tensor] = []
    plain = {str(key): to_plain(obs, tensors) for key, obs in observations.items()}
    total = sum(t.numel() * t.element_size() for t in tensors)
    if total > MAX_TENSOR_BYTES:
        raise TooLarge(f"the result holds {total / 2**20:.0f} MB of tensors; the grader accepts at most "
                       f"{MAX_TENSOR_BYTES // 2**20} MB")
    meta, chunks, offset = [], [], 0
    for t in tensors:
        data = _tensor_bytes(t)
        if offset % ALIGN:
            chunks.append(memoryview(bytes(ALIGN - offset % ALIGN)))
            offset += ALIGN - offset % ALIGN
        meta.append({"dtype": str(t.dtype).removeprefix("torch."), "shape": list(t.shape),
                     "offset": offset, "nbytes": data.nbytes})
        chunks.append(data)
        offset += data.nbytes
    if offset > MAX_TENSOR_BYTES:
        raise TooLarge(f"the result holds {offset / 2**20:.0f} MB of tensors; the grader accepts at most "
                       f"{MAX_TENSOR_BYTES // 2**20} MB")
    return {"values": plain, "tensors": meta}, chunks


def decode(facts: Any, blob: bytes | bytearray) -> dict[str, Observed]:
    """What `encode` produced → observations, checking every field and size (may be forged)."""
    if _type(facts) is not dict or _type(facts.get("values")) is not dict or _type(facts.get("tensors")) is not list:
        raise Malformed("malformed observations")
    if _len(blob) > MAX_TENSOR_BYTES:
        raise Malformed("tensors too large")
    metas = facts["tensors"]
    if _len(metas) > MAX_NODES:
        raise Malformed("too many tensors")
    tensors, end = [], 0
    for meta in metas:  # in order, none overlapping the one before: together, at most the blob
        tensor, end = _tensor_from(meta, blob, end)
        tensors.append(tensor)
    budget = _Budget()
    return {str(key)[:MAX_TEXT * 4]: from_plain(value, tensors, budget) for key, value in facts["values"].items()}


def _tensor_bytes(t: torch.Tensor) -> memoryview:
    t = t.detach().to("cpu").contiguous()
    if t.dtype not in DTYPES.values():
        raise TypeError(f"cannot send a tensor of dtype {t.dtype}")
    if t.numel() == 0:
        return memoryview(b"")
    flat = t.reshape(-1)
    if flat.stride(0) != 1:  # one element counts as contiguous whatever its stride; view() needs 1
        flat = flat.clone(memory_format=torch.contiguous_format)
    data: Any = flat.view(torch.uint8).numpy()
    return memoryview(data)


def _tensor_from(meta: Any, blob: bytes | bytearray, start: int) -> tuple[torch.Tensor, int]:
    """The tensor `meta` describes, in `blob` from `start` on; and where its bytes end.

    Its bytes are used where they are (a view of `blob`, no copy) when they are aligned for its
    dtype; otherwise copied (a forged message: encode aligns them).
    """
    if _type(meta) is not dict:
        raise Malformed("malformed tensor")
    name = meta.get("dtype")
    dtype = DTYPES.get(name) if _type(name) is str else None
    shape, offset, nbytes = meta.get("shape"), meta.get("offset"), meta.get("nbytes")
    if (dtype is None or _type(shape) is not list or _len(shape) > MAX_DIMS
            or any(_type(n) is not int or not 0 <= n < 2**62 for n in shape)
            or _type(offset) is not int or _type(nbytes) is not int or nbytes < 0):
        raise Malformed("malformed tensor")
    if offset < start:
        raise Malformed("tensors that claim the same bytes")
    if offset + nbytes > _len(blob):
        raise Malformed("tensors that claim more bytes than were sent")
    itemsize = torch.empty((), dtype=dtype).element_size()
    if math.prod(shape) * itemsize != nbytes:
        raise Malformed("tensor size does not match its shape")
    if nbytes == 0:
        try:
            return torch.empty(shape, dtype=dtype), offset
        except RuntimeError:  # dims whose strides overflow
            raise Malformed("malformed tensor shape") from None
    if offset % itemsize or _type(blob) is not bytearray:
        raw = torch.frombuffer(bytearray(blob[offset:offset + nbytes]), dtype=dtype)
    else:
        raw = torch.frombuffer(blob, dtype=dtype, count=nbytes // itemsize, offset=offset)
    return raw.reshape(shape), offset + nbytes


def roundtrip(observations: dict[str, Any]) -> dict[str, Observed]:
    """Observe values in-process exactly as the sandbox would (used for the reference)."""
    return {key: observe(value) for key, value in observations.items()}
