"""Known mistakes: when a check fails, which of the exercise's mutants the student's result looks like.

Each mutant's docstring explains its mistake in English and Japanese and names the checks that catch it
(`grader.bank.folder.MutantDoc`). When a visible check fails (not an error, a timeout or a hidden check),
the student's observations are judged against each candidate mutant's observations for that check, the
way the check judges them against the reference's: its `judge`, or the engine's default comparison, with
the mutant in the reference's place. A mutant whose result the student's is within the check's tolerance
of is recognised, and the feedback says "this looks like a known mistake: <the mutant's explanation>".

Which mutants, and what is said (`explain`):
* a check's candidates are the mutants whose `Caught by:` names it (the mistakes that check is there to
  catch); only theirs are computed first, lazily, once per process;
* every mutant recognised on some failed check is also judged on the report's other failed checks; on
  each check, of the mutants that match there, those that match the most of the failed checks are said
  (the explanation of the most of what went wrong; a mutant recognised on one check can so be said on
  another whose candidates it is not), the check's own candidates first, at most `SHOWN`;
* several said: their results are the same on these checks, so nothing the student's result shows tells
  them apart, and each is a possible explanation;
* checks that `sees` (how-checks: what the grader read and timed) are left out: their judge decides from
  the student's source and CPU time, which a mutant's observations do not hold; their message already
  names the construct. Hidden checks, errors and timeouts get nothing.

Where the observations come from: a pack's stored data (`grader.pack.mutant_observations`, written from
`frozen_observations`: every mutant on every visible check, so that a pack says what the live bank says),
else the mutants run in the grader, as `engine._reference` runs the reference (mutants are trusted
instructor files). A failing student must not wait for them: one report spends at most `LIVE_BUDGET`
CPU seconds on live mutant runs. A check's candidates are not started where the reference's own CPU time for
that probe says they cannot fit (`cnn_classifier.training`: 0.65 s a run; `train_loop.returns`: the
exercise's first probe, about 1 s with torch's warm-up), and a run that overruns what is left is stopped
(`train_loop`'s `global_epochs` trains 1847 epochs) and not tried again in the process. Runs already made
in the process (a batch, `grader validate`) cost nothing.
"""

from __future__ import annotations

import functools
import signal
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch

from grader import bank
from grader.bank.folder import MutantDoc, load_module, mistake_id
from grader.i18n import known
from grader.probes import Run, seed_everything
from grader.sandbox.protocol import Observed, roundtrip
from grader.spec import Check

Frozen = tuple[dict[str, Observed], dict[str, Observed]]  # (native, exact), as engine.reference returns
LIVE_BUDGET = 0.5  # CPU seconds one report may spend running mutants live
SHOWN = 3  # recognised mistakes said at most, per check
FROZEN_LIMIT = 5.0  # CPU seconds a mutant's probe may take when a pack is built (longer: not stored)


def candidates(exercise: str, index: int) -> list[str]:
    """The mutants of `exercise` ("bank:name") whose docstring names check `index` as catching them."""
    check_id = bank.get(exercise).checks[index].id
    return [mutant for mutant, doc in _docs(exercise).items() if check_id in doc.caught_by]


@functools.cache
def _docs(exercise: str) -> dict[str, MutantDoc]:
    where, name = bank.locate(exercise)
    return where.mistakes(name)


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


def frozen_observations(exercise: str, index: int, device: str, seed: int) -> dict[str, Frozen]:
    """What a pack stores for check `index`: every mutant's observations (not only the candidates', so that
    a pack judges a recognised mistake on the other failed checks as the live bank does), each run given
    FROZEN_LIMIT seconds (in the main thread); none for a hidden check or one that sees."""
    check = bank.get(exercise).checks[index]
    if check.hidden or check.sees:
        return {}
    runs = {m: _observed(exercise, m, index, device, seed, limit=FROZEN_LIMIT) for m in _docs(exercise)}
    return {mutant: observed for mutant, observed in runs.items() if observed is not None}


def explain(exercise: str, failed: dict[int, dict[str, Observed]], *, device: str,
            seed: int) -> dict[int, list[tuple[str, dict[str, Any]]]]:
    """The known mistakes (message id, facts) to say on each failed check of one report.

    `failed`: the student's observations on each check (by index) that failed. A check's candidates are
    judged against the student's result (`matching`); every mutant recognised somewhere is then judged on
    the report's other failed checks too, and on each check the mutants that match there and explain the
    most of the failed checks are said. (A student who never calls backward() fails `losses` like three
    mutants and `parameters` like `global_model`; the three also match `parameters`, so they are said on
    both, and `global_model`, which does not match `losses`, on neither.)
    """
    try:
        spec = bank.get(exercise)
        failed = {i: got for i, got in failed.items() if not spec.checks[i].hidden and not spec.checks[i].sees}
        budget = _Budget(exercise, device, seed)
        computed = {i: observations(exercise, i, device, seed, budget) for i in failed}
        recognised = {i: matching(spec.checks[i], computed[i], got) for i, got in failed.items()}
        found = list(dict.fromkeys(m for names in recognised.values() for m in names))

        def matches(mutant: str, index: int) -> bool:
            if mutant in recognised[index] or mutant in computed[index]:
                return mutant in recognised[index]
            other = budget.observed(mutant, index)
            return other is not None and bool(matching(spec.checks[index], {mutant: other}, failed[index]))

        explained = {mutant: {i for i in failed if matches(mutant, i)} for mutant in found}
        _, name = bank.locate(exercise)
    except Exception:  # noqa: BLE001 - a pack or a mutant that cannot be read: the feedback goes without
        return {}
    out: dict[int, list[tuple[str, dict[str, Any]]]] = {}
    for index in failed:
        here = sorted((m for m in found if index in explained[m]), key=lambda m: m not in computed[index])
        if here:
            most = max(len(explained[m]) for m in here)
            said = [mistake_id(name, m) for m in here if len(explained[m]) == most]
            said = [m for m in said if known(m)]  # a pack that did not bring its mutants' sentences says none
            if said:
                out[index] = [(m, dict[str, Any]()) for m in said[:SHOWN]]
    return out


def observations(exercise: str, index: int, device: str, seed: int,
                 budget: _Budget | None = None) -> dict[str, Frozen]:
    """The candidates' observations for check `index`: the pack's, else the live ones (within `budget`)."""
    frozen = _stored(exercise, index)
    if frozen is not None:
        names = candidates(exercise, index)
        return {mutant: observed for mutant, observed in frozen.items() if mutant in names}
    if budget is None:
        return live_observations(exercise, index, device, seed)
    names = candidates(exercise, index)
    if not budget.allows(names, index):
        return {}
    runs = {mutant: budget.run(mutant, index) for mutant in names}
    return {mutant: observed for mutant, observed in runs.items() if observed is not None}


def matching(check: Check, mutants: dict[str, Frozen], got: dict[str, Observed]) -> list[str]:
    """The mutants whose observations `got` matches, as `check` judges a result against its reference: its
    judge with the mutant in the reference's place, or else the default comparison at the check's tolerance
    (a judge that decides from properties of the result alone, such as "these are probabilities", cannot
    tell one wrong result from another; equal observations still can)."""
    return [mutant for mutant, (native, exact) in mutants.items() if _same(check, native, exact, got)]


def _same(check: Check, native: dict[str, Observed], exact: dict[str, Observed], got: dict[str, Observed]) -> bool:
    from grader.engine import _compare_all

    judges = [lambda: _compare_all(check, native, exact, got)[0]]
    if check.judge is not None:
        judges.insert(0, lambda: check.judge(native, exact, got))  # type: ignore[misc]
    for judged in judges:
        try:
            if judged().mismatch is None:
                return True
        except Exception:  # noqa: BLE001 - a judge built for the reference's kind of result: no match
            continue
    return False


def _stored(exercise: str, index: int) -> dict[str, Frozen] | None:
    """The pack's observations of the mutants for check `index` (None for a live bank, or a grader
    without packs)."""
    try:
        from grader import pack
    except ImportError:
        return None
    stored = getattr(pack, "mutant_observations", None)
    frozen = stored(exercise, index) if stored is not None else None
    return frozen if isinstance(frozen, dict) else None


class _Budget:
    """The CPU time one report may spend running mutants live (LIVE_BUDGET; CPU, not wall time, so that a
    loaded machine says what an idle one says). A check's candidates are not started where the reference's
    own CPU time for the probe says they cannot fit; a run that still overruns what is left is stopped (in
    the main thread, where `grader check` grades) and that mutant is not run again in this process."""

    def __init__(self, exercise: str, device: str, seed: int) -> None:
        self.exercise, self.device, self.seed = exercise, device, seed
        self.left = LIVE_BUDGET

    def allows(self, mutants: list[str], index: int) -> bool:
        """Whether the mutants' probes for check `index` can fit (those run already cost nothing)."""
        from grader import engine

        threads = torch.get_num_threads()
        todo = [m for m in mutants if (self.exercise, m, index, self.device, self.seed, threads) not in _RESULTS]
        if not todo:
            return True
        cpu = engine.reference_cpu(self.exercise, index, self.device, self.seed)
        runs = 1 if bank.get(self.exercise).checks[index].reference == "native" else 2
        return cpu is not None and cpu * runs * len(todo) <= self.left

    def observed(self, mutant: str, index: int) -> Frozen | None:
        """One mutant's observations for check `index`: the pack's, or run where the budget allows."""
        frozen = _stored(self.exercise, index)
        if frozen is not None:
            return frozen.get(mutant)
        return self.run(mutant, index) if self.allows([mutant], index) else None

    def run(self, mutant: str, index: int) -> Frozen | None:
        started = time.thread_time()
        try:
            return _observed(self.exercise, mutant, index, self.device, self.seed, limit=max(self.left, 0.0))
        finally:
            self.left -= time.thread_time() - started


_RESULTS: dict[tuple[str, str, int, str, int, int], Frozen | None] = {}  # (exercise, mutant, index, device,
# seed, torch threads) -> the observations; None where the probe raised
_SLOW: set[tuple[str, str]] = set()  # (exercise, mutant) stopped for overrunning: its module's state is unknown


class _TooSlow(BaseException):
    """A mutant's run overran the time left (a BaseException: the mutant's own `except Exception` cannot keep it)."""


def _observed(exercise: str, mutant: str, index: int, device: str, seed: int, *,
              limit: float | None = None) -> Frozen | None:
    """A mutant's observations for one check, run once per process (under the reference's lock: the probes
    seed the global RNGs); None where its probe raised, or overran `limit` seconds."""
    from grader import engine

    with engine._REFERENCE_LOCK:
        key = (exercise, mutant, index, device, seed, torch.get_num_threads())
        if key in _RESULTS:
            return _RESULTS[key]
        if (exercise, mutant) in _SLOW:
            return None
        try:
            with _deadline(limit):
                result = _run(exercise, mutant, index, device, seed)
        except _TooSlow:
            _SLOW.add((exercise, mutant))
            return None
        _RESULTS[key] = result
        return result


@contextmanager
def _deadline(seconds: float | None) -> Iterator[None]:
    """Raise _TooSlow after `seconds` of the grader's CPU time (ITIMER_PROF), in the main thread (Python runs
    signal handlers there only); elsewhere the budget's estimate alone decides."""
    if seconds is None or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise _TooSlow

    previous = signal.signal(signal.SIGPROF, expire)
    try:
        signal.setitimer(signal.ITIMER_PROF, max(seconds, 0.001))
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0)
    finally:
        signal.signal(signal.SIGPROF, previous)


def _run(exercise: str, mutant: str, index: int, device: str, seed: int) -> Frozen | None:
    check = bank.get(exercise).checks[index]
    try:
        with warnings.catch_warnings():  # a mistake's warnings (float() of a tensor that requires grad) are no news
            warnings.simplefilter("ignore")
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
    path = where.folder(name) / "mutants" / f"{mutant}.py"
    return load_module(path, f"grader_mutant.{where.name}.{name}.{mutant}")
