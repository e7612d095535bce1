"""Known mistakes: when a check fails, which of the exercise's mutants the student's result looks like.

Each mutant's docstring explains its mistake in English and Japanese and names the checks that catch it
(`grader.bank.folder.MutantDoc`). When a visible check fails (not an error, a timeout or a hidden check),
the student's observations are judged against each candidate mutant's observations for that check, the
way the check judges them against the reference's: its `judge`, or the engine's default comparison, with
the mutant in the reference's place. A mutant whose result the student's is within the check's tolerance
of is recognised, and the feedback says "this looks like a known mistake: <the mutant's explanation>".

Which mutants, and what is said:
* candidates are the mutants whose `Caught by:` names the failed check (the mistakes that check is there
  to catch); only theirs are computed, lazily, once per process;
* several recognised (their results are the same on this check, so nothing the student's result shows
  tells them apart): each is said, in the mutants' order, at most `SHOWN`;
* checks that `sees` (how-checks: what the grader read and timed) are left out: their judge decides from
  the student's source and CPU time, which a mutant's observations do not hold; their message already
  names the construct.

Where the observations come from: a pack's stored data (`grader.pack.mutant_observations`), else the
mutants run in the grader, as `engine._reference` runs the reference (mutants are trusted instructor
files). A live run is skipped where it would make a failing student wait: when the reference's own CPU
time for the check, times the number of runs the candidates need, is over `LIVE_BUDGET` (the training
checks, `cnn_classifier.training`), unless they were computed already in this process.
"""

from __future__ import annotations

import functools
from typing import Any

import torch

from grader import bank
from grader.bank.folder import load_module, mistake_id
from grader.probes import Run, seed_everything
from grader.sandbox.protocol import Observed, roundtrip
from grader.spec import Check

Frozen = tuple[dict[str, Observed], dict[str, Observed]]  # (native, exact), as engine.reference returns
LIVE_BUDGET = 1.0  # CPU seconds a failing check may spend running the candidate mutants live
SHOWN = 3  # recognised mistakes said at most, per check


def candidates(exercise: str, index: int) -> list[str]:
    """The mutants of `exercise` ("bank:name") whose docstring names check `index` as catching them."""
    where, name = bank.locate(exercise)
    check_id = bank.get(exercise).checks[index].id
    return [mutant for mutant, doc in where.mistakes(name).items() if check_id in doc.caught_by]


def live_observations(exercise: str, index: int, device: str, seed: int) -> dict[str, Frozen]:
    """Each candidate mutant's observations for check `index` (native and float64, as the reference's),
    computed in the grader and cached; a mutant whose probe raises has none (a student whose code raises
    gets an error, not a failure, so it could not be matched anyway)."""
    out = {}
    for mutant in candidates(exercise, index):
        observed = _observed(exercise, mutant, index, device, seed)
        if observed is not None:
            out[mutant] = observed
    return out


def recognise(exercise: str, index: int, got: dict[str, Observed], *, device: str,
              seed: int) -> list[tuple[str, dict[str, Any]]]:
    """The known mistakes (message id, facts) the student's observations `got` match on failed check
    `index`: none for a hidden check or a check that sees, or where the observations are not at hand."""
    check = bank.get(exercise).checks[index]
    if check.hidden or check.sees:
        return []
    try:
        mutants = observations(exercise, index, device, seed)
    except Exception:  # noqa: BLE001 - a pack or a mutant that cannot be read: the feedback goes without
        return []
    _, name = bank.locate(exercise)
    return [(mistake_id(name, mutant), {}) for mutant in matching(check, mutants, got)][:SHOWN]


def observations(exercise: str, index: int, device: str, seed: int) -> dict[str, Frozen]:
    """The candidates' observations for check `index`: the pack's, or the live ones within the budget."""
    try:
        from grader import pack
    except ImportError:  # a grader without packs
        pack = None  # type: ignore[assignment]
    stored = getattr(pack, "mutant_observations", None) if pack is not None else None
    frozen = stored(exercise, index) if stored is not None else None
    if isinstance(frozen, dict):
        return frozen
    if not _affordable(exercise, index, device, seed):
        return {}
    return live_observations(exercise, index, device, seed)


def matching(check: Check, mutants: dict[str, Frozen], got: dict[str, Observed]) -> list[str]:
    """The mutants whose observations `got` is judged equal to, as `check` judges against its reference."""
    from grader.engine import _compare_all

    found = []
    for mutant, (native, exact) in mutants.items():
        try:
            if check.judge is not None:
                comparison = check.judge(native, exact, got)
            else:
                comparison, _ = _compare_all(check, native, exact, got)
        except Exception:  # noqa: BLE001 - a judge built for the reference's kind of result: no match
            continue
        if comparison.mismatch is None:
            found.append(mutant)
    return found


def _affordable(exercise: str, index: int, device: str, seed: int) -> bool:
    """Whether running the candidates live fits LIVE_BUDGET, judged from the reference's CPU time for the
    same probe (known once the engine computed the reference); true where all are computed already."""
    from grader import engine

    names = candidates(exercise, index)
    threads = torch.get_num_threads()
    if all(_cached(exercise, m, index, device, seed, threads) for m in names):
        return True
    cpu = engine.reference_cpu(exercise, index, device, seed)
    runs = 1 if bank.get(exercise).checks[index].reference == "native" else 2
    return cpu is not None and cpu * runs * len(names) <= LIVE_BUDGET


_DONE: set[tuple[str, str, int, str, int, int]] = set()  # the (exercise, mutant, index, device, seed, threads) computed


def _cached(exercise: str, mutant: str, index: int, device: str, seed: int, threads: int) -> bool:
    return (exercise, mutant, index, device, seed, threads) in _DONE


def _observed(exercise: str, mutant: str, index: int, device: str, seed: int) -> Frozen | None:
    from grader import engine

    with engine._REFERENCE_LOCK:  # the probes seed the global RNGs, as the reference's do
        threads = torch.get_num_threads()
        result = _run(exercise, mutant, index, device, seed, threads)
        _DONE.add((exercise, mutant, index, device, seed, threads))
        return result


@functools.cache
def _run(exercise: str, mutant: str, index: int, device: str, seed: int, threads: int) -> Frozen | None:
    check = bank.get(exercise).checks[index]
    try:
        ns = vars(_module(exercise, mutant))
        seed_everything(seed)
        native = roundtrip(check.probe(Run(ns, device=device, student=False)))
        if check.reference == "native":
            return native, native
        seed_everything(seed)
        return native, roundtrip(check.probe(Run(ns, device=device, upcast=True, student=False)))
    except Exception:  # noqa: BLE001 - the mutant's mistake makes this probe raise: no observations
        return None


@functools.cache
def _module(exercise: str, mutant: str) -> Any:
    """A mutant of the exercise `exercise` ("bank:name"), imported into the grader (a trusted file)."""
    where, name = bank.locate(exercise)
    return load_module(where.folder(name) / "mutants" / f"{mutant}.py", f"grader_mutant.{where.name}.{name}.{mutant}")
