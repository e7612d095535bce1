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
* checks that `sees` (how-checks: what the grader read and timed) are not judged by observations: their
  judge decides from the student's source and CPU time. Each candidate is judged as the student was, from
  its own source and its CPU time measured in the grader, and what it failed with (message ids and facts,
  without lines and with numbers masked: `verdict_signature`) is compared with the student's failure; the
  mistake is said only when one candidate fails alike (where several do, the one whose runtime record the
  student's equals: `cdist` and `cdist_for_large` both show torch.cdist in the source);
* a check whose call raised (not the load): the candidates whose probe raises the same exception with the
  same kind of message (`raised_signature`: its first line, numbers masked) are said, as several would be
  for a failure. Hidden checks and timeouts get nothing.

Where the observations come from: a pack's stored data (`grader.pack.mutant_observations`, written from
`frozen_observations`: every mutant on every visible check, so that a pack says what the live bank says;
`grader.pack.mutant_signatures`, from `frozen_signatures`, for raises and how-checks), else the mutants run
in the grader, as `engine._reference` runs the reference (mutants are trusted instructor files). A failing student must not wait for them: one report spends at most `LIVE_BUDGET`
CPU seconds on live mutant runs. A check's candidates are not started where the reference's own CPU time for
that probe says they cannot fit (`cnn_classifier.training`: 0.65 s a run; `train_loop.returns`: the
exercise's first probe, about 1 s with torch's warm-up), and a run that overruns what is left is stopped
(`train_loop`'s `global_epochs` trains 1847 epochs; the loop mutants of `vectorised`, seconds each) and not
tried again in the process: in the main thread by ITIMER_PROF, in a batch's or validate's threads by the
thread's own CPU clock. Runs already made in the process (a batch, `grader validate`) cost nothing.

Checks over the live budget (`cnn_classifier.training`, `train_loop.returns`) are named from a pack only.
A cache on disk of the mutants' observations, keyed by `Bank.fingerprint` (the exercise's files, its
mutants and the sibling checks it loads) with the grader's and torch's versions, and written by `grader
validate`, would be honest (the grader's own runs of trusted files, as a pack's) and cheap to read. It is
not built: validate would have to run the heavy candidates itself (about 10 s more for these two checks),
and the cache would need the pack's serialisation of observations (`pack._Store`, `to_plain`), shared
rather than copied. Until then they are named where students check their work: from a pack.
"""

from __future__ import annotations

import ctypes
import functools
import json
import re
import signal
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import torch

from grader import bank
from grader.bank.folder import MutantDoc, load_module, mistake_id
from grader.compare import compare_observations
from grader.i18n import known
from grader.probes import Run, seed_everything
from grader.results import CheckResult, Status
from grader.sandbox.protocol import Observed, roundtrip, type_name
from grader.spec import Check, Seen

Frozen = tuple[dict[str, Observed], dict[str, Observed]]  # (native, exact), as engine.reference returns
LIVE_BUDGET = 0.5  # CPU seconds one report may spend running mutants live
SHOWN = 3  # recognised mistakes said at most, per check
FROZEN_LIMIT = 10.0  # CPU seconds a mutant's probe may take when a pack is built (longer: not stored; broadcast_distances'
# pair_loop takes 6.3 s on `vectorised`, which a pack needs to name any of that how-check's loop mutants)
RAISED = ("raised", "raised_at", "raised_in_cell")  # the student's code raised in the check's call (not at load)
PLACES = ("line", "cell", "code")  # facts that say where in a file: a mutant's lines are not the student's
WATCH_INTERVAL = 0.01  # seconds between looks at a thread's CPU clock (a mutant run outside the main thread)
MESSAGE_KIND = 120  # characters of an exception's first line that say what kind of error it is


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
    FROZEN_LIMIT seconds (in the main thread); none for a hidden check. (A how-check's are the runtime
    record that tells apart the mutants failing it alike: see `explain`.)"""
    check = bank.get(exercise).checks[index]
    if check.hidden:
        return {}
    runs = {m: _observed(exercise, m, index, device, seed, limit=FROZEN_LIMIT) for m in _docs(exercise)}
    return {mutant: observed for mutant, observed in runs.items() if observed is not None}


def explain(exercise: str, failed: dict[int, dict[str, Observed]], *, device: str, seed: int,
            results: dict[str, CheckResult] | None = None) -> dict[int, list[tuple[str, dict[str, Any]]]]:
    """The known mistakes (message id, facts) to say on each failed check of one report.

    `failed`: the student's observations on each check (by index) that failed. A check's candidates are
    judged against the student's result (`matching`); every mutant recognised somewhere is then judged on
    the report's other failed checks too, and on each check the mutants that match there and explain the
    most of the failed checks are said. (A student who never calls backward() fails `losses` like three
    mutants and `parameters` like `global_model`; the three also match `parameters`, so they are said on
    both, and `global_model`, which does not match `losses`, on neither.)

    `results`: the report's results by check id; a check whose call raised, and a how-check that failed,
    are told by their signatures (`raised`).
    """
    budget = _Budget(exercise, device, seed)  # one for the report
    out = _told_by_observations(exercise, failed, budget)
    if results:
        out.update(_told_by_signature(exercise, failed, results, budget))
    return out


def _told_by_observations(exercise: str, failed: dict[int, dict[str, Observed]],
                          budget: _Budget) -> dict[int, list[tuple[str, dict[str, Any]]]]:
    try:
        spec = bank.get(exercise)
        failed = {i: got for i, got in failed.items() if not spec.checks[i].hidden and not spec.checks[i].sees}
        computed = {i: observations(exercise, i, budget.device, budget.seed, budget) for i in failed}
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
            said = _said(name, [m for m in here if len(explained[m]) == most])
            if said:
                out[index] = said
    return out


def _said(name: str, mutants: list[str]) -> list[tuple[str, dict[str, Any]]]:
    """The message ids of these mutants' mistakes (a pack that did not bring their sentences says none)."""
    said = [m for m in (mistake_id(name, mutant) for mutant in mutants) if known(m)]
    return [(m, dict[str, Any]()) for m in said[:SHOWN]]


def _told_by_signature(exercise: str, failed: dict[int, dict[str, Observed]], results: dict[str, CheckResult],
                       budget: _Budget) -> dict[int, list[tuple[str, dict[str, Any]]]]:
    """Checks whose call raised, and failed how-checks: the candidates that raise the same way (every one, as
    their results cannot be told apart), or that fail the how-check the same way (only when one does: where
    several do, the one whose observations the student's equal, else none)."""
    try:
        spec = bank.get(exercise)
        _, name = bank.locate(exercise)
        out: dict[int, list[tuple[str, dict[str, Any]]]] = {}
        for index, check in enumerate(spec.checks):
            result = results.get(check.id)
            if result is None or check.hidden:
                continue
            student = student_signature(check, result)
            if student is None:
                continue
            ran = signatures(exercise, index, budget.device, budget.seed, budget)
            alike = [m for m, signature in ran.items() if signature == student]
            if result.status is Status.FAILED:  # a how-check: unambiguous or nothing
                if set(candidates(exercise, index)) - set(ran):
                    continue  # a candidate not run (over the budget) might fail alike
                if len(alike) > 1:
                    got = failed.get(index)
                    seen = {m: budget.observed(m, index) for m in alike}
                    alike = [] if got is None or None in seen.values() else matching(
                        check, {m: o for m, o in seen.items() if o is not None}, got)
                if len(alike) != 1:
                    continue
            said = _said(name, alike)
            if said:
                out[index] = said
        return out
    except Exception:  # noqa: BLE001 - a pack or a mutant that cannot be read: the feedback goes without
        return {}


def student_signature(check: Check, result: CheckResult) -> str | None:
    """The signature of the student's result on `check` where it is told by one: an error of the check's own
    call (not of the load), or a failed how-check; None otherwise."""
    feedback = result.feedback
    if feedback is None:
        return None
    if result.status is Status.ERROR and feedback.summary[0] in RAISED:
        facts = feedback.summary[1]
        return raised_signature(str(facts.get("exception", "")), str(facts.get("message", "")))
    if result.status is Status.FAILED and check.sees:
        return verdict_signature(feedback.summary, feedback.where)
    return None


def raised_signature(exception: str, message: str) -> str:
    """What tells one raise from another across processes: the exception's type, and the kind of its message
    (its first line, numbers masked: the same mistake on other sizes says the same)."""
    lines = message.strip().splitlines()
    return f"raised {exception}: {_masked(lines[0] if lines else '')[:MESSAGE_KIND]}"


def verdict_signature(summary: tuple[str, dict[str, Any]], where: tuple[str, dict[str, Any]] | None) -> str:
    """What tells one how-check failure from another: its message ids and facts, without where in the file
    (`PLACES`: a notebook's cell is a .py file's line) and with numbers masked (lines, CPU times, counts)."""
    parts = [[re.sub(r"_cell$", "", part[0]), {k: v for k, v in part[1].items() if k not in PLACES}]
             for part in (summary, where) if part is not None]
    return "failed " + _masked(json.dumps(parts, ensure_ascii=False, sort_keys=True, default=str))


def _masked(text: str) -> str:
    text = re.sub(r"\d+(\.\d+)?(e-?\d+)?", "#", text)
    text = re.sub(r'_cell(?=\\*")', "", text)  # a loop listed at a notebook cell's line, in a key's facts
    return re.sub(r'\\*"cell\\*": #, ', "", text)


def signatures(exercise: str, index: int, device: str, seed: int, budget: _Budget | None = None) -> dict[str, str]:
    """The signatures of the candidates of check `index` that ran: how each raises there or fails it as a
    how-check, "" where it does neither; the pack's, else computed live (within `budget`). A candidate that
    is missing did not run (over the budget, or stopped)."""
    stored = _stored_signatures(exercise, index)
    names = candidates(exercise, index)
    if stored is not None:
        return {m: signature for m, signature in stored.items() if m in names}
    budget = budget or _Budget(exercise, device, seed)
    if not budget.allows(names, index):
        return {}
    runs = {m: budget.outcome(m, index) for m in names}
    return {m: _signature(exercise, m, index, run, device, seed) for m, run in runs.items() if run is not None}


def frozen_signatures(exercise: str, index: int, device: str, seed: int) -> dict[str, str]:
    """What a pack stores for check `index` besides the observations: every mutant's signature (`signatures`:
    its source read, its CPU time measured now), each run given FROZEN_LIMIT seconds (one that overruns is
    left out: unknown); none for a hidden check."""
    if bank.get(exercise).checks[index].hidden:
        return {}
    runs = {m: _outcome(exercise, m, index, device, seed, limit=FROZEN_LIMIT) for m in sorted(_docs(exercise))}
    return {m: _signature(exercise, m, index, run, device, seed) for m, run in runs.items() if run is not None}


def _signature(exercise: str, mutant: str, index: int, run: _Result, device: str, seed: int) -> str:
    """A mutant's signature on check `index`: what its probe raised, or how it fails the how-check (judged
    with its own source and CPU time, as the student's is); "" where it does neither."""
    from grader import engine, static

    if run.raised is not None:
        return run.raised
    check = bank.get(exercise).checks[index]
    if not check.sees or run.observed is None or check.judge is None:
        return ""
    where, name = bank.locate(exercise)
    native, exact = engine.reference(exercise, index, device, seed)
    seen = Seen(reading=static.read(where.folder(name) / "mutants" / f"{mutant}.py", False), cpu=run.cpu,
                reference_cpu=engine.reference_cpu(exercise, index, device, seed))
    mismatch = check.judge(native, exact, run.observed[0], seen).mismatch
    return "" if mismatch is None else verdict_signature(mismatch.summary, mismatch.where)


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
    judges = [lambda: compare_observations(native, exact, got, check.tolerance, values=check.values)]
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
    """The pack's observations of the mutants for check `index` (None for a live bank)."""
    from grader import pack

    return pack.mutant_observations(exercise, index)


def _stored_signatures(exercise: str, index: int) -> dict[str, str] | None:
    """The pack's signatures of the mutants for check `index` (None for a live bank; {} for a pack without them)."""
    from grader import pack

    return pack.mutant_signatures(exercise, index)


class _Budget:
    """The CPU time one report may spend running mutants live (LIVE_BUDGET; CPU, not wall time, so that a
    loaded machine says what an idle one says). A check's candidates are not started where the reference's
    own CPU time for the probe says they cannot fit; a run that still overruns what is left is stopped
    (`_deadline`) and that mutant is not run again in this process."""

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
        result = self.outcome(mutant, index)
        return None if result is None else result.observed

    def outcome(self, mutant: str, index: int) -> _Result | None:
        started = time.thread_time()
        try:
            return _outcome(self.exercise, mutant, index, self.device, self.seed, limit=max(self.left, 0.0))
        finally:
            self.left -= time.thread_time() - started


@dataclass(frozen=True)
class _Result:
    """A mutant's run of a probe in the grader: its observations, or the signature of what it raised; the
    CPU seconds of its native run (what a how-check compares with the reference's)."""

    observed: Frozen | None
    raised: str | None = None
    cpu: float | None = None


_RESULTS: dict[tuple[str, str, int, str, int, int], _Result] = {}  # (exercise, mutant, index, device, seed,
# torch threads) -> the run
_SLOW: set[tuple[str, str]] = set()  # (exercise, mutant) stopped for overrunning: its module's state is unknown


class _TooSlow(BaseException):
    """A mutant's run overran the time left (a BaseException: the mutant's own `except Exception` cannot keep it)."""


def _observed(exercise: str, mutant: str, index: int, device: str, seed: int, *,
              limit: float | None = None) -> Frozen | None:
    """A mutant's observations for one check (`_outcome`); None where its probe raised, or overran."""
    result = _outcome(exercise, mutant, index, device, seed, limit=limit)
    return None if result is None else result.observed


def _outcome(exercise: str, mutant: str, index: int, device: str, seed: int, *,
             limit: float | None = None) -> _Result | None:
    """A mutant's run of one check's probe, once per process (under the reference's lock: the probes seed
    the global RNGs): its observations or what it raised; None where it overran `limit` seconds."""
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
    """Raise _TooSlow after `seconds` of CPU time: the grader's (ITIMER_PROF) in the main thread, where Python
    runs signal handlers; in another thread (a batch's, validate's), that thread's own CPU clock, watched
    from a helper thread that raises _TooSlow in it (delivered at its next Python bytecode)."""
    if seconds is None:
        yield
        return
    if threading.current_thread() is not threading.main_thread():
        with _thread_deadline(max(seconds, 0.001)):
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


@contextmanager
def _thread_deadline(seconds: float) -> Iterator[None]:
    ident = threading.get_ident()
    clock = time.pthread_getcpuclockid(ident)
    started = time.clock_gettime(clock)
    done, fired = threading.Event(), threading.Event()

    def watch() -> None:
        while not done.wait(WATCH_INTERVAL):
            if time.clock_gettime(clock) - started > seconds:
                fired.set()
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(ident), ctypes.py_object(_TooSlow))
                return

    watcher = threading.Thread(target=watch, name="mutant-deadline", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()
        if fired.is_set():  # raised in the body already, or still pending: taken here, and raised anew
            _take_pending()
            raise _TooSlow


def _take_pending() -> None:
    """Let an async _TooSlow still pending for this thread be raised and caught (it is delivered at the first
    jump back). Not PyThreadState_SetAsyncExc(ident, NULL): CPython 3.11 then leaves the interpreter's
    pending flag set for good, and any frame run under a trace function (broadcast_distances' line counter)
    spins at its first instruction forever."""
    try:
        for _ in range(100):
            pass
    except _TooSlow:
        pass


def _run(exercise: str, mutant: str, index: int, device: str, seed: int) -> _Result:
    check = bank.get(exercise).checks[index]
    with warnings.catch_warnings():  # a mistake's warnings (float() of a tensor that requires grad) are no news
        warnings.simplefilter("ignore")
        try:
            ns = vars(_module(exercise, mutant))
            seed_everything(seed)
            started = time.thread_time()
            native = roundtrip(check.probe(Run(ns, device=device, student=False)))
            cpu = time.thread_time() - started  # as engine._reference times the reference, for how-checks
        except Exception as exc:  # noqa: BLE001 - the mutant's mistake makes this probe raise, as a student's would
            return _Result(None, raised=raised_signature(type_name(exc), _message(exc)))
        if check.reference == "native":
            return _Result((native, native), cpu=cpu)
        try:
            seed_everything(seed)
            exact = roundtrip(check.probe(Run(ns, device=device, upcast=True, student=False)))
        except Exception:  # noqa: BLE001 - raises in float64 only (a cast to float32): no student's code runs so
            return _Result(None, cpu=cpu)
        return _Result((native, exact), cpu=cpu)


def _message(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception:  # noqa: BLE001 - a mutant's exception with a broken __str__
        return ""


@functools.cache
def _module(exercise: str, mutant: str) -> Any:
    """A mutant of the exercise `exercise` ("bank:name"), imported into the grader (a trusted file)."""
    where, name = bank.locate(exercise)
    path = where.folder(name) / "mutants" / f"{mutant}.py"
    return load_module(path, f"grader_mutant.{where.name}.{name}.{mutant}")
