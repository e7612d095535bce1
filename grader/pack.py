"""Packs: a bank frozen for students, with the answers left with the instructor.

`grader pack` writes a bank-shaped folder: the same `torchgrader.toml`, the stubs, each exercise's
`checks.py` and `text.toml`, and in place of `reference_solutions/` the data the references produce:

```
pack.json                          marks the folder as a pack: format, grader version, bank, exercises
pyproject.toml, __init__.py        `pip install ./pack` installs it as a bank (entry point torchgrader.banks)
exercises/<name>/frozen.json       per visible check: the reference's observations (native and float64) as
                                   JSON, the reference's CPU time for checks that time it (with the calibration
                                   measured then), the mutants' observations, and the hidden checks' titles and
                                   points only
exercises/<name>/frozen.pt.xz      the tensors the reference's observations refer to: a dict of plain tensors
                                   (torch.save, read back with torch.load(weights_only=True)), xz-compressed
exercises/<name>/mistakes.pt.xz    the other tensors the mutants' observations refer to (read only when a check
                                   failed: they are most of the bytes)
exercises/<name>/mistakes.json     the mutants' explanations and catching checks (no code)
```
The built-in bank's own pack, the one the wheel carries, is not a copy: `grader pack --out grader/builtin_pack` in
a checkout writes each exercise's frozen files beside its checks (exercises/<name>/) and pack.json into
grader/builtin_pack; pyproject.toml maps exercises/ into the wheel's grader/builtin_pack (stubs, checks.py,
text.toml and those files only) and setup.py copies torchgrader.toml there.
No reference solution, mutant, alternate or hidden check's source is written. Observations are
stored exactly as `engine.reference()` returns them at the default `Conditions` on the CPU (a pack
graded on another device gets them moved there). Each tensor is stored once: checks that share a
probe (a shape check and a values check) and a `native` reference's float64 side refer to the same
one. The references' probes already sample what is large (broadcast_distances `large` keeps 64 of the
2000 × 2000 distances); what remains is mostly random initial weights (my_linear's `init` draws a 1000 × 100
layer for the reference and for each mutant), which xz stores in about half the bytes, losslessly.

Timing from a pack (`Seen.reference_cpu`, the `vectorised` how-check): the reference's CPU seconds on
the pack machine are stored (the least of several runs), with the CPU seconds of a fixed stand-in
workload (`calibration`, no exercise's solution) measured on that machine. At check time the grader
runs the same workload while the student's probe runs, as it ran the live reference, and scales:
reference_cpu = stored × (calibration now / calibration at pack time). The judge's allowance (4× or
+40 ms) stays as it is.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import lzma
import shutil
import threading
import time
from pathlib import Path
from typing import Any

import torch

from grader.bank.config import CONFIG, BankError
from grader.bank.folder import DATA, MISTAKES, MUTANT_TENSORS, TENSORS, Bank, mistakes_json
from grader.sandbox.protocol import Observed, from_plain, to_plain

MARK = "pack.json"
FORMAT = 2  # 2: the mutants' tensors in MUTANT_TENSORS, the calibration per exercise (1: in pack.json)
OWN_PACK = Path("grader", "builtin_pack")  # the built-in bank's pack, inside its checkout (see above)
TIMING_RUNS = 5  # the reference's CPU time and the calibration: the least of this many runs
Frozen = tuple[dict[str, Observed], dict[str, Observed]]


# -- reading a pack ------------------------------------------------------------------------------


def frozen(ref: str) -> bool:
    """Whether the exercise `ref` ("bank:name") comes from a pack."""
    from grader import bank

    where, _ = bank.locate(ref)
    return where.is_pack


def reference(ref: str, index: int, device: str, seed: int) -> Frozen | None:
    """The reference's observations for one check from the pack (None for a live bank's exercise)."""
    from grader.sandbox.child import SEED

    data = _data(ref)
    if data is None:
        return None
    if seed != SEED:
        raise BankError(f"{ref}: a pack holds the references at the default seed only; other seeds "
                        "(grader validate --repeat) need the live bank.")
    entry = data["checks"][index]
    tensors = _tensors(ref)
    native = _decode(entry["native"], tensors, device)
    exact = native if entry["exact"] is None else _decode(entry["exact"], tensors, device)
    return native, exact


def reference_cpu(ref: str, index: int) -> float | None:
    """The reference's CPU seconds for one check, scaled to this machine by the calibration (see above)."""
    data = _data(ref)
    if data is None:
        return None
    stored = data["checks"][index].get("cpu")
    if stored is None:
        return None
    at_pack = data["calibration"] if "calibration" in data else _mark(ref)["calibration"]  # format 1: pack.json
    return float(stored) * calibration() / float(at_pack)


def mutant_observations(exercise: str, index: int) -> dict[str, Frozen] | None:
    """Every mutant's observations for one check, by mutant name, from the pack (None for a live bank)."""
    data = _data(exercise)
    if data is None:
        return None
    mutants = data["checks"][index].get("mutants", {})
    tensors = {**_tensors(exercise), **_mutant_tensors(exercise)} if mutants else {}
    return {name: (_decode(sides["native"], tensors, "cpu"),
                   _decode(sides["native"] if sides["exact"] is None else sides["exact"], tensors, "cpu"))
            for name, sides in mutants.items()}


def mutant_signatures(exercise: str, index: int) -> dict[str, str] | None:
    """How each mutant raises on one check, or fails it as a how-check ("" where it does neither;
    `grader.mistakes.signatures`), by mutant name, from the pack (None for a live bank; {} for a pack written
    without them)."""
    data = _data(exercise)
    if data is None:
        return None
    return {str(k): str(v) for k, v in data["checks"][index].get("mutant_signatures", {}).items()}


def hidden_later(ref: str) -> list[dict[str, Any]]:
    """The hidden checks a pack leaves out (graded later from the full bank): their ids, titles and points."""
    data = _data(ref)
    return [] if data is None else list(data.get("hidden", []))


def _data(ref: str) -> dict[str, Any] | None:
    """The frozen.json of the exercise `ref`, or None when its bank is live."""
    from grader import bank

    where, name = bank.locate(ref)
    if not where.is_pack:
        return None
    data = _read_data(where.root, name, _stamp(where.folder(name) / DATA))
    expected = sum(1 for c in bank.get(ref).checks if not c.hidden)
    if len(data.get("checks", ())) != expected:
        raise BankError(f"{where.folder(name) / DATA}: holds {len(data.get('checks', ()))} checks, {name}'s "
                        f"checks.py has {expected}; regenerate the pack with 'grader pack'.")
    return data


@functools.cache
def _read_data(root: Path, name: str, stamp: int) -> dict[str, Any]:
    path = root / "exercises" / name / DATA
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        raise BankError(f"{path}: cannot be read ({exc}); regenerate the pack with 'grader pack'.") from None


def _tensors(ref: str) -> dict[str, torch.Tensor]:
    """The tensors of the reference's observations."""
    from grader import bank

    where, name = bank.locate(ref)
    return _read_tensors(where.folder(name) / TENSORS, _stamp(where.folder(name) / TENSORS))


def _mutant_tensors(ref: str) -> dict[str, torch.Tensor]:
    """The mutants' other tensors ({} for a format-1 pack, which kept them in TENSORS)."""
    from grader import bank

    where, name = bank.locate(ref)
    path = where.folder(name) / MUTANT_TENSORS
    return _read_tensors(path, _stamp(path)) if path.is_file() else {}


def _stamp(path: Path) -> int:
    """When the file last changed (a pack regenerated in place is read again)."""
    try:
        stat = path.stat()
        return hash((stat.st_mtime_ns, stat.st_size, stat.st_ino))
    except OSError:
        return 0


@functools.cache
def _read_tensors(path: Path, stamp: int) -> dict[str, torch.Tensor]:
    try:
        loaded = load_tensors(path)
    except Exception as exc:  # a damaged file: say which, and how to get a good one
        raise BankError(f"{path}: cannot be read ({type(exc).__name__}); regenerate the pack with "
                        "'grader pack'.") from None
    return dict(loaded)


def save_tensors(tensors: dict[str, torch.Tensor], path: Path) -> None:
    path.write_bytes(_xz(tensors))


def _xz(tensors: dict[str, torch.Tensor]) -> bytes:
    buffer = io.BytesIO()
    torch.save(tensors, buffer)
    return lzma.compress(buffer.getvalue(), preset=6)


def load_tensors(path: Path) -> dict[str, torch.Tensor]:
    """A pack's tensors: plain tensors only (weights_only: no pickled object is ever run)."""
    return dict(torch.load(io.BytesIO(lzma.decompress(path.read_bytes())), map_location="cpu", weights_only=True))


def _mark(ref: str) -> dict[str, Any]:
    from grader import bank

    return read_mark(bank.locate(ref)[0].root)


def read_mark(root: Path) -> dict[str, Any]:
    """A pack's pack.json."""
    return dict(json.loads((root / MARK).read_text(encoding="utf-8")))


def _decode(plain: dict[str, Any], tensors: dict[str, torch.Tensor], device: str) -> dict[str, Observed]:
    observed = {key: from_plain(value, tensors) for key, value in plain.items()}
    return observed if device == "cpu" else {key: _moved(obs, device) for key, obs in observed.items()}


def _moved(obs: Observed, device: str) -> Observed:
    """An observation as the reference would have made it on `device` (computed on the CPU)."""
    value = obs.value
    if isinstance(value, torch.Tensor):
        value = value.to(device)
    elif isinstance(value, list):
        value = [_moved(v, device) for v in value]
    elif isinstance(value, dict):
        value = {k: _moved(v, device) for k, v in value.items()}
    where = _device_name(device) if obs.device.startswith("cpu") and obs.type == "torch.Tensor" else obs.device
    return Observed(obs.type, value, obs.requires_grad, obs.grad_fn, where, obs.length)


@functools.cache
def _device_name(device: str) -> str:
    """How a tensor on `device` names its device ("cuda" → "cuda:0")."""
    return str(torch.empty(0, device=device).device)


_CALIBRATION_LOCK = threading.Lock()


def calibration() -> float:
    """CPU seconds of the stand-in workload on this machine, now (measured once per process)."""
    with _CALIBRATION_LOCK:
        return _calibration()


@functools.cache
def _calibration() -> float:
    return measure_calibration(3)


def measure_calibration(runs: int = TIMING_RUNS) -> float:
    """The least CPU time (this thread, one intra-op thread) of a fixed workload of broadcast elementwise
    operations and reductions on tensors of the sizes the timed checks use. It is no exercise's answer."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        gen = torch.Generator().manual_seed(0)
        a = torch.rand(256, 1, 64, generator=gen)
        b = torch.rand(1, 256, 64, generator=gen)
        best = float("inf")
        for _ in range(runs):
            started = time.thread_time()
            for _ in range(4):
                (a * b).exp_().amax(-1).log1p_().cumsum(0)
            best = min(best, time.thread_time() - started)
        return max(best, 1e-6)
    finally:
        torch.set_num_threads(threads)


# -- writing a pack ------------------------------------------------------------------------------


class _Store:
    """The tensors of one exercise, each kept once (by dtype, shape and bytes)."""

    def __init__(self) -> None:
        self.tensors: dict[str, torch.Tensor] = {}
        self._seen: dict[tuple[str, tuple[int, ...], str], str] = {}

    def plain(self, observations: dict[str, Observed]) -> dict[str, Any]:
        found: list[torch.Tensor] = []
        plain = {key: to_plain(obs, found) for key, obs in observations.items()}
        names = [self._keep(t) for t in found]
        return {key: _renumbered(value, names) for key, value in plain.items()}

    def _keep(self, t: torch.Tensor) -> str:
        t = t.detach().to("cpu").contiguous().clone()  # its own storage: torch.save writes a view's whole base
        flat = t.reshape(-1)
        raw = flat.to(torch.uint8) if t.dtype == torch.bool else flat.view(torch.uint8)
        key = (str(t.dtype), tuple(t.shape), hashlib.sha1(raw.numpy().tobytes()).hexdigest())
        if key not in self._seen:
            self._seen[key] = str(len(self.tensors))
            self.tensors[self._seen[key]] = t
        return self._seen[key]


def _renumbered(plain: Any, names: list[str]) -> Any:
    """`to_plain`'s data with each tensor index replaced by the stored tensor's number."""
    value = plain["value"]
    if isinstance(value, dict) and set(value) == {"tensor"} and plain["type"] != "dict":
        value = {"tensor": int(names[value["tensor"]])}
    elif isinstance(value, list):
        value = [_renumbered(v, names) for v in value]
    elif isinstance(value, dict):
        value = {k: _renumbered(v, names) for k, v in value.items()}
    return {**plain, "value": value}


def freeze(ref: str) -> tuple[dict[str, Any], dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    """One exercise of a live bank, frozen: its frozen.json data, the reference's tensors (TENSORS) and the
    mutants' other tensors (MUTANT_TENSORS). Both are numbered in one sequence: the reference's first."""
    from grader import bank, engine
    from grader.sandbox.child import SEED

    exercise = bank.get(ref)
    store = _Store()
    checks = []
    visible = [c for c in exercise.checks if not c.hidden]
    timed = False
    threads = torch.get_num_threads()
    torch.set_num_threads(engine.Conditions().torch_threads)
    try:
        for index, check in enumerate(visible):
            native, exact = engine.reference(exercise.ref, index, "cpu", SEED)
            entry: dict[str, Any] = {"id": check.id, "native": store.plain(native),
                                     "exact": None if exact is native else store.plain(exact)}
            if check.sees:
                entry["cpu"], timed = _reference_cpu(exercise.ref, index), True
            checks.append(entry)
        calibrated = measure_calibration() if timed else None  # at the time the references were timed
        reference_count = len(store.tensors)
        for index, entry in enumerate(checks):
            mutants = _mutants(exercise.ref, index)
            if mutants:
                entry["mutants"] = {name: {"native": store.plain(n), "exact": None if e is n else store.plain(e)}
                                    for name, (n, e) in sorted(mutants.items())}
            signatures = _mutant_signatures(exercise.ref, index)
            if signatures:  # how mutants raise there, or fail it as a how-check (grader.mistakes.signatures)
                entry["mutant_signatures"] = signatures
    finally:
        torch.set_num_threads(threads)
    hidden = [{"id": c.id, "title": c.title, "points": c.points} for c in exercise.checks if c.hidden]
    data: dict[str, Any] = {"exercise": exercise.name, "checks": checks, "hidden": hidden}
    if calibrated is not None:
        data["calibration"] = calibrated
    reference = {k: t for k, t in store.tensors.items() if int(k) < reference_count}
    return data, reference, {k: t for k, t in store.tensors.items() if int(k) >= reference_count}


def _reference_cpu(ref: str, index: int) -> float:
    """The least CPU time of the reference's probe over TIMING_RUNS runs (engine's own measure)."""
    from grader import bank, engine
    from grader.probes import Run, seed_everything
    from grader.sandbox.child import SEED

    check = bank.get(ref).checks[index]
    ns = vars(engine._reference_module(ref))
    best = float("inf")
    for _ in range(TIMING_RUNS):
        seed_everything(SEED)
        started = time.thread_time()
        check.probe(Run(ns, device="cpu", student=False))
        best = min(best, time.thread_time() - started)
    return best


def _mutant_signatures(ref: str, index: int) -> dict[str, str]:
    """What known-mistake feedback tells errors and how-checks by on one check (`grader.mistakes`)."""
    from grader import mistakes
    from grader.sandbox.child import SEED

    return mistakes.frozen_signatures(ref, index, "cpu", SEED)


def _mutants(ref: str, index: int) -> dict[str, Frozen]:
    """The observations of the mutants known-mistake feedback compares with on one check: every mutant
    (`grader.mistakes.frozen_observations`), so that a pack names the mistakes the live bank names."""
    from grader import mistakes
    from grader.sandbox.child import SEED

    return dict(mistakes.frozen_observations(ref, index, "cpu", SEED))


def build(refs: list[str], out: Path) -> list[str]:
    """Freeze these exercises ("name" or "bank:name") of one live bank, and those their checks use, into the
    pack folder `out` (replaced); the exercises packed. BankError where they cannot be. The built-in bank's
    own pack (`out` is grader/builtin_pack in its checkout) is written in place instead (see above)."""
    from grader import __version__, bank

    located = [bank.locate(r) for r in refs]
    sources = {b.root for b, _ in located}
    if len(sources) != 1:
        raise BankError("grader pack: the exercises come from several banks; pack one bank at a time.")
    source = located[0][0]
    if source.is_pack:
        raise BankError(f"grader pack: {source.root} is a pack already; pack the live bank it came from.")
    names = _with_siblings(source.root, [name for _, name in located])
    if source.builtin and out.resolve() == source.root / OWN_PACK:
        return _build_own(source, names, out)
    staging = out.with_name(out.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "exercises").mkdir(parents=True)
    shutil.copy2(source.root / CONFIG, staging / CONFIG)
    for name in names:
        folder = staging / "exercises" / name
        folder.mkdir()
        shutil.copy2(source.stub(name), staging / "exercises" / f"{name}.py")
        for part in ("checks.py", "text.toml"):
            shutil.copy2(source.folder(name) / part, folder / part)
        _write_frozen(source, name, folder)
    package = "torchgrader_pack_" + "".join(c if c.isalnum() else "_" for c in source.name.lower())
    _write_mark(staging, source.name, package, names)
    (staging / "__init__.py").write_text(f'"""The exercise bank {source.name}, packed by torchgrader."""\n',
                                         encoding="utf-8")
    frozen = ", ".join(f'"exercises/*/{part}"' for part in (DATA, TENSORS, MUTANT_TENSORS, MISTAKES))
    (staging / "pyproject.toml").write_text(_PYPROJECT.format(package=package, bank=source.name, frozen=frozen,
                                                              version=__version__), encoding="utf-8")
    shutil.rmtree(out, ignore_errors=True)
    staging.rename(out)
    return names


def _build_own(source: Bank, names: list[str], out: Path) -> list[str]:
    """The built-in bank's own pack: each exercise's frozen files beside its checks, pack.json in `out`."""
    for name in names:
        _write_frozen(source, name, source.folder(name))
    frozen = [name for name in source.exercise_names() if (source.folder(name) / DATA).is_file()]
    _write_mark(out, source.name, "torchgrader", sorted(frozen))
    return names


def _write_frozen(source: Bank, name: str, folder: Path) -> None:
    """One exercise's frozen files (DATA, TENSORS, MUTANT_TENSORS, MISTAKES) into `folder`, each replaced whole."""
    data, tensors, mutant_tensors = freeze(f"{source.name}:{name}")
    parts = {DATA: (json.dumps(data, indent=None) + "\n").encode(), TENSORS: _xz(tensors),
             MUTANT_TENSORS: _xz(mutant_tensors), MISTAKES: (mistakes_json(source.mistakes(name)) + "\n").encode()}
    for part, content in parts.items():
        partial = folder / (part + ".partial")
        partial.write_bytes(content)
        partial.replace(folder / part)


def _write_mark(root: Path, bank_name: str, package: str, names: list[str]) -> None:
    from grader import __version__

    root.mkdir(parents=True, exist_ok=True)
    (root / MARK).write_text(json.dumps({"format": FORMAT, "grader": __version__, "bank": bank_name,
                                         "package": package, "exercises": names}, indent=1) + "\n", encoding="utf-8")


def _with_siblings(root: Path, names: list[str]) -> list[str]:
    """`names` and every exercise whose checks.py theirs use (`sibling(__file__, "x")`), in bank order."""
    import re

    todo, chosen = list(names), set()
    while todo:
        name = todo.pop()
        if name in chosen:
            continue
        chosen.add(name)
        text = (root / "exercises" / name / "checks.py").read_text(encoding="utf-8")
        todo += re.findall(r"sibling\(\s*__file__\s*,\s*[\"']([a-z0-9_]+)[\"']", text)
    order = [p.parent.name for p in sorted((root / "exercises").glob("*/checks.py"))]
    return [n for n in order if n in chosen]


_PYPROJECT = """\
# Written by `grader pack`: `pip install .` makes this bank available to `grader` on this machine.
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "{package}"
version = "{version}"
description = "The exercise bank {bank}, packed for students by torchgrader (no reference solutions)."
dependencies = ["torchgrader"]

[project.entry-points."torchgrader.banks"]
{package} = "{package}"

[tool.setuptools.package-dir]
"{package}" = "."

[tool.setuptools]
packages = ["{package}"]

[tool.setuptools.package-data]
"{package}" = ["pack.json", "torchgrader.toml", "exercises/*.py", "exercises/*/checks.py",
             "exercises/*/text.toml", {frozen}]
"""


# -- staleness -----------------------------------------------------------------------------------


def stale(pack_root: Path, exercises: list[str] | None = None) -> dict[str, list[str]]:
    """What differs between the pack at `pack_root` and what the live bank's references compute now, for
    these exercises of the bank it was made from (default: all of them and those it holds), by exercise:
    one line each, naming the exercise, the check and the command that regenerates the pack."""
    from grader import bank, engine

    own = _own_checkout(pack_root)
    regenerate = (f"run 'grader pack --out {OWN_PACK.as_posix()}' in {own} to regenerate it" if own else
                  f"run 'grader pack --out {pack_root}' to regenerate it")
    try:
        mark = read_mark(pack_root)
    except (OSError, ValueError) as exc:
        return {"": [f"{pack_root}: not a readable pack ({exc}); {regenerate}."]}
    source = next(b for b in bank.banks() if b.name == mark["bank"] and b.problem is None and not b.is_pack)
    names = exercises if exercises is not None else list(dict.fromkeys([*source.exercise_names(), *mark["exercises"]]))
    problems: dict[str, list[str]] = {}
    threads = torch.get_num_threads()
    torch.set_num_threads(engine.Conditions().torch_threads)
    try:
        for name in names:
            if name not in mark["exercises"]:
                problems[name] = [f"pack {pack_root}: {name} is not in it; {regenerate}."]
            elif name not in source.exercise_names():
                problems[name] = [f"pack {pack_root}: holds {name}, which the bank {source.name} has no more; "
                                  f"{regenerate}."]
            else:
                problems[name] = _stale_exercise(pack_root, f"{source.name}:{name}", regenerate)
    finally:
        torch.set_num_threads(threads)
    return problems


def _own_checkout(pack_root: Path) -> Path | None:
    """The checkout whose exercises/ the pack at `pack_root` keeps its exercises in: the built-in bank's own pack
    (grader/builtin_pack in a checkout, without an exercises/ of its own); None for any other pack."""
    root = pack_root.resolve()
    if (root / "exercises").is_dir() or root.parts[-len(OWN_PACK.parts):] != OWN_PACK.parts:
        return None
    return root.parents[len(OWN_PACK.parts) - 1]


def exercises_folder(pack_root: Path) -> Path:
    """The folder holding a pack's exercises (stubs, and a folder per exercise with its frozen files)."""
    own = _own_checkout(pack_root)
    return (own if own else pack_root) / "exercises"


def _stale_exercise(pack_root: Path, ref: str, regenerate: str) -> list[str]:
    from grader import bank, engine
    from grader.sandbox.child import SEED

    where, name = bank.locate(ref)
    exercise = bank.get(ref)
    folder = exercises_folder(pack_root) / name
    try:
        data = json.loads((folder / DATA).read_text(encoding="utf-8"))
        tensors = load_tensors(folder / TENSORS)
        if (folder / MUTANT_TENSORS).is_file():
            load_tensors(folder / MUTANT_TENSORS)
    except Exception as exc:  # any unreadable part is a stale pack
        return [f"pack {pack_root}: {name} cannot be read ({type(exc).__name__}); {regenerate}."]
    problems = [f"pack {pack_root}: {name}/{part} differs from the bank's; {regenerate}."
                for part in ("checks.py", "text.toml")
                if not (folder / part).is_file() or (folder / part).read_bytes() != (where.folder(name) / part).read_bytes()]
    stub = folder.parent / f"{name}.py"
    if not stub.is_file() or stub.read_bytes() != where.stub(name).read_bytes():
        problems.append(f"pack {pack_root}: the stub {name}.py differs from the bank's; {regenerate}.")
    mistakes = folder / MISTAKES
    if not mistakes.is_file() or mistakes.read_text(encoding="utf-8") != mistakes_json(where.mistakes(name)) + "\n":
        problems.append(f"pack {pack_root}: {name}/{MISTAKES} differs from the mutants' docstrings; {regenerate}.")
    visible = [c for c in exercise.checks if not c.hidden]
    hidden = [{"id": c.id, "title": c.title, "points": c.points} for c in exercise.checks if c.hidden]
    if [c["id"] for c in data.get("checks", [])] != [c.id for c in visible] or data.get("hidden") != hidden:
        return [*problems, f"pack {pack_root}: {name}'s checks are not the bank's; {regenerate}."]
    for index, entry in enumerate(data["checks"]):
        native, exact = engine.reference(exercise.ref, index, "cpu", SEED)  # the live reference's, now
        try:
            same = _same(entry["native"], tensors, native) and _same(
                entry["native"] if entry["exact"] is None else entry["exact"], tensors, exact)
        except Exception:  # a damaged entry is a difference
            same = False
        if not same:
            problems.append(f"pack {pack_root}: {name}, check '{entry['id']}': the reference's observations "
                            f"differ from the pack's; {regenerate}.")
    return problems


def _same(plain: dict[str, Any], tensors: dict[str, torch.Tensor], live: dict[str, Observed]) -> bool:
    """Whether stored observations equal the live ones exactly (values, dtypes, shapes, types, flags)."""
    stored = {key: from_plain(value, tensors) for key, value in plain.items()}
    return set(stored) == set(live) and all(_equal(stored[k], live[k]) for k in stored)


def _equal(a: Observed, b: Observed) -> bool:
    if (a.type, a.requires_grad, a.grad_fn, a.device, a.length) != (b.type, b.requires_grad, b.grad_fn,
                                                                       b.device, b.length):
        return False
    x, y = a.value, b.value
    if isinstance(x, torch.Tensor) or isinstance(y, torch.Tensor):
        if not (isinstance(x, torch.Tensor) and isinstance(y, torch.Tensor)) or (x.dtype, x.shape) != (y.dtype, y.shape):
            return False
        try:
            torch.testing.assert_close(x.cpu(), y.cpu(), rtol=0, atol=0, equal_nan=True)
        except AssertionError:
            return False
        return True
    if isinstance(x, list) and isinstance(y, list):
        return len(x) == len(y) and all(_equal(p, q) for p, q in zip(x, y))
    if isinstance(x, dict) and isinstance(y, dict):
        return x.keys() == y.keys() and all(_equal(x[k], y[k]) for k in x)
    if isinstance(x, float) and isinstance(y, float) and x != x:
        return y != y  # NaN
    return type(x) is type(y) and x == y
