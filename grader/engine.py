"""Grading one submission: run each check's probe in the sandbox and on the reference, judge."""

from __future__ import annotations

import dataclasses
import functools
import os
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from grader import bank, keys, pack, static
from grader.bank.config import BankError
from grader.bank.folder import load_module
from grader.compare import Comparison, Mismatch, compare_observations, constant_factor
from grader.i18n import check_title_id, known
from grader.probes import Run, seed_everything
from grader.results import CellFailure, CheckResult, ExerciseReport, Feedback, Status
from grader.sandbox.child import SEED
from grader.sandbox.confine import isolation_facts
from grader.sandbox.protocol import Observed, roundtrip
from grader.sandbox.runner import BUDGET, CELL_TIMEOUT, NOTEBOOK_TIMEOUT, Outcome, Sandbox, Setup
from grader.spec import Check, Exercise, Seen
from grader.submission import Source

UNDEFINED = {"NameError", "ModuleNotFoundError", "ImportError", "UnboundLocalError"}
RAISED = {"raised", "raised_at", "raised_in_cell", "load_raised", "load_raised_at"}  # the student's code raised
# Mismatches about how a result is held, not what it holds: a check's hint (about its values) does not fit them.
NOT_THE_CHECKS_KIND = frozenset({"wrong_dtype", "wrong_device", "subclass", "no_data", "not_observed"})
# Modules a student's file can hide from Python by its name: the submission's folder comes first on sys.path.
LIBRARIES = ("torch", "torchvision", "numpy", "matplotlib", "pandas", "scipy", "sklearn", "PIL", "tqdm", "fastai")
OUTPUT_SHOWN = 600  # characters of what the student printed, per check: its last whole lines
UNEXPECTED = "unexpected_answer"  # a judge's mismatch for an answer its probe cannot have sent: the check's error


@dataclass(frozen=True)
class Conditions:
    """The seed every probe starts from, and torch's thread count, on both sides (the worker and the
    reference). Grading always uses the defaults; `grader validate --repeat` varies them to find checks
    whose verdict depends on them."""

    seed: int = SEED
    torch_threads: int = 1  # the other core runs the student's code meanwhile


def grade(exercise: Exercise, source: Source, *, device: str = "cpu", cell_timeout: float = CELL_TIMEOUT,
          kernel: bool = False, conditions: Conditions = Conditions()) -> ExerciseReport:
    """Grade the student's `source` on every check of `exercise`."""
    return grade_many([exercise], source, device=device, cell_timeout=cell_timeout, kernel=kernel,
                      conditions=conditions)[0]


def grade_many(exercises: Sequence[Exercise], source: Source, *, device: str = "cpu",
               cell_timeout: float = CELL_TIMEOUT, kernel: bool = False,
               conditions: Conditions = Conditions(), setup: Setup | None = None) -> list[ExerciseReport]:
    """Grade `source` on several exercises, in one sandbox: a notebook runs once for all of them.

    `setup`: an assignment's setup code (`Setup.of(name)`), run in the student's namespace before the
    submission; if it raises, SetupError (the instructor's error, naming the config file).

    With `kernel`, a notebook runs in a real Jupyter kernel through nbclient (full fidelity);
    otherwise in an IPython shell inside the worker (fast). A .py file always runs as a module.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(conditions.torch_threads)
    try:
        return _grade(list(exercises), source, device=device, cell_timeout=cell_timeout, kernel=kernel,
                      conditions=conditions, setup=setup)
    finally:
        torch.set_num_threads(threads)  # a process that called grade() keeps its own setting


def _grade(exercises: list[Exercise], source: Source, *, device: str, cell_timeout: float,
           kernel: bool, conditions: Conditions, setup: Setup | None = None) -> list[ExerciseReport]:
    began = time.monotonic()  # an exercise's time runs from the end of the one before: the first's includes the load
    for exercise in exercises:
        if not pack.frozen(exercise.ref):  # a pack's references are data
            _reference_module(exercise.ref)  # loaded before any student code runs, so it cannot be tampered with
    reports = []
    shadows = () if source.notebook else shadowing_files(source.path)
    load_timeout = NOTEBOOK_TIMEOUT if source.notebook else max(e.timeout for e in exercises)
    with tempfile.TemporaryDirectory(prefix="grader-") as workdir, Sandbox(
        exercises=tuple(e.ref for e in exercises), banks=bank.roots(), source=source.path.resolve(), device=device,
        memory_mb=max(e.memory_mb for e in exercises), workdir=Path(workdir), load_timeout=load_timeout,
        budget=BUDGET * len(exercises) + (NOTEBOOK_TIMEOUT if source.notebook else 0.0),
        notebook=source.notebook, cell_timeout=cell_timeout, kernel=kernel, seed=conditions.seed,
        torch_threads=conditions.torch_threads, setup=setup,
    ) as box:
        offset = 0  # the number of the exercise's first check among all the checks: the worker's probe numbers
        reading = static.read(source.path, source.notebook) if any(
            check.sees for exercise in exercises for check in exercise.checks) else None
        for exercise in exercises:
            results: dict[str, CheckResult] = {}
            failed: dict[int, dict[str, Observed]] = {}  # the student's observations where a check failed
            ran: dict[int, tuple[Outcome, float | None]] = {}  # each probe run: its outcome, the worker's CPU
            for index, check in enumerate(exercise.checks):
                blocked = [need for need in check.needs if results[need].status is not Status.PASSED]
                if blocked:
                    results[check.id] = _skipped(check, keys.call(check_title_id(exercise.name, blocked[0])))
                    continue
                first = shared_probe(exercise, index)  # the check whose probe this is: it runs once for all
                if first in ran:
                    native, exact = reference(exercise.ref, index, device, conditions.seed)
                    outcome, cpu = ran[first]
                    outcome = dataclasses.replace(outcome, error=dict(outcome.error), duration=0.0)  # counted once
                else:
                    pid = box.pid
                    before = worker_cpu(pid)
                    box.submit(offset + first)
                    same = pid is not None and box.pid == pid  # not a worker started (and loading) for this probe
                    native, exact = reference(exercise.ref, index, device, conditions.seed)  # while the student's runs
                    outcome = box.wait(max(c.timeout or exercise.timeout for i, c in enumerate(exercise.checks)
                                           if shared_probe(exercise, i) == first))
                    after = worker_cpu(pid) if same and box.pid == pid else None
                    cpu = None if before is None or after is None else after - before
                    ran[first] = outcome, cpu
                seen = None
                if check.sees and reading is not None:
                    seen = Seen(reading=reading, cpu=cpu,
                                reference_cpu=reference_cpu(exercise.ref, index, device, conditions.seed))
                results[check.id] = judge(check, native, exact, outcome, memory_mb=exercise.memory_mb,
                                          notebook=source.notebook, seen=seen, shadows=shadows)
                if results[check.id].status is Status.FAILED and outcome.observations is not None:
                    failed[index] = outcome.observations
            _say_mistakes(exercise, results, failed, device, conditions.seed)
            offset += len(exercise.checks)
            ended = time.monotonic()
            reports.append(ExerciseReport(
                exercise=exercise.name, title=exercise.title, file=source.shown, device=device,
                checks=list(results.values()), duration=ended - began, isolation=isolation_facts(),
                hidden_later=[(c["title"], float(c["points"])) for c in pack.hidden_later(exercise.ref)],
            ))
            began = ended
        cells = [CellFailure.model_validate(cell) for cell in box.cells]
        load_output, load_omitted = trimmed_output(box.load_output)
    for report in reports:
        report.cells, report.cells_omitted = cells, box.cells_omitted
        report.load_output, report.load_output_omitted, report.load_failed = load_output, load_omitted, box.load_failed
    return reports


def _say_mistakes(exercise: Exercise, results: dict[str, CheckResult], failed: dict[int, dict[str, Observed]],
                  device: str, seed: int) -> None:
    """The known mistakes (grader.mistakes) the failed checks' results, and the checks whose call raised, look
    like, said in their feedback; a timeout or a hidden check gets none."""
    if failed or any(result.status is Status.ERROR for result in results.values()):
        from grader import mistakes

        for index, said in mistakes.explain(exercise.ref, failed, device=device, seed=seed, results=results).items():
            feedback = results[exercise.checks[index].id].feedback
            if feedback is not None:
                feedback.mistakes = said


def shadowing_files(path: Path) -> tuple[str, ...]:
    """The student's files that Python would import instead of a library: the submission itself, or a file
    or package beside it, named like one (`numpy.py`, `torch/`). Read by the grader, not by the worker."""
    found = []
    for library in LIBRARIES:
        for name in (f"{library}.py", library):
            candidate = path.parent / name
            try:
                shadows = candidate.is_file() if name.endswith(".py") else (candidate / "__init__.py").is_file()
            except OSError:
                shadows = False
            if shadows or (name.endswith(".py") and path.name == name):
                found.append(name if name.endswith(".py") else f"{name}/")
    return tuple(dict.fromkeys(found))


_REFERENCE_LOCK = threading.Lock()  # `validate` grades in threads; compute each reference once
_REFERENCE_CPU: dict[tuple[str, int, str, int], float] = {}  # CPU seconds of each reference probe (native run)


def worker_cpu(pid: int | None) -> float | None:
    """CPU seconds (user + system, all threads) the kernel has counted for process `pid`, read from
    outside it; None if it cannot be read.

    The process's CPU clock (what clock_getcpuclockid gives: CPUCLOCK_SCHED, nanoseconds) where the
    kernel allows it, else /proc/<pid>/stat's utime + stime (clock ticks).
    """
    if pid is None or pid <= 0:
        return None
    try:
        return time.clock_gettime((~pid << 3) | 2)
    except (OSError, OverflowError, ValueError, AttributeError):
        pass
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2:].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def shared_probe(exercise: Exercise, index: int) -> int:
    """The first of `exercise`'s checks with check `index`'s probe (and reference): the one that runs it, in
    the worker and for the reference, for every check that uses it."""
    check = exercise.checks[index]
    return next(i for i, c in enumerate(exercise.checks) if c.probe is check.probe and c.reference == check.reference)


def reference_cpu(exercise: str, index: int, device: str, seed: int = SEED) -> float | None:
    """CPU seconds the reference's probe took (its native run, in the grader), once it has run; from a
    pack, its stored time scaled to this machine (`pack.reference_cpu`)."""
    if pack.frozen(exercise):
        return pack.reference_cpu(exercise, index)
    index = shared_probe(bank.get(exercise), index)
    with _REFERENCE_LOCK:
        return _REFERENCE_CPU.get((exercise, index, device, seed))


def reference(exercise: str, index: int, device: str,
              seed: int = SEED) -> tuple[dict[str, Observed], dict[str, Observed]]:
    """The reference's observations for one check: at the student's dtypes, and in float64."""
    index = shared_probe(bank.get(exercise), index)
    with _REFERENCE_LOCK:
        return _reference(exercise, index, device, seed, torch.get_num_threads())


@functools.cache
def _reference(exercise: str, index: int, device: str, seed: int,
               torch_threads: int) -> tuple[dict[str, Observed], dict[str, Observed]]:
    check = bank.get(exercise).checks[index]
    frozen = pack.reference(exercise, index, device, seed)
    if frozen is not None:
        if check.sees:
            pack.calibration()  # measured while the student's probe runs, as a live reference would be
        return frozen
    ns = vars(_reference_module(exercise))
    try:
        seed_everything(seed)
        started = time.thread_time()
        observed = check.probe(Run(ns, device=device, student=False))
        _REFERENCE_CPU[(exercise, index, device, seed)] = time.thread_time() - started
        native = roundtrip(observed)
        if check.reference == "native":
            return native, native
        seed_everything(seed)
        exact = roundtrip(check.probe(Run(ns, device=device, upcast=True, student=False)))
    except Exception as exc:  # the bank's own files disagree: the instructor's to fix, not the student's
        where, name = bank.locate(exercise)
        raise BankError(f"{where.reference(name)}: check '{check.id}' of {name} raised {type(exc).__name__} on the "
                        f"reference ({exc}). Fix the reference or the check's probe in {where.folder(name)}, then "
                        f"run 'grader validate {exercise}'.") from None
    return native, exact


@functools.cache
def _reference_module(ref: str) -> Any:
    """The reference solution of the exercise `ref` ("bank:name"), imported into the grader."""
    where, name = bank.locate(ref)
    path = where.reference(name)
    try:
        return load_module(path, f"grader_reference.{where.name}.{name}")
    except Exception as exc:  # a missing or broken reference: the instructor's to fix
        reason = "is missing" if not path.is_file() else f"could not be loaded ({type(exc).__name__}: {exc})"
        raise BankError(f"{path}: the reference solution of {name} {reason}. Every exercise of a live bank needs "
                        f"one; then run 'grader validate {ref}'.") from None


def judge(check: Check, native: dict[str, Observed], exact: dict[str, Observed], outcome: Outcome, *,
          memory_mb: int, notebook: bool = False, seen: Seen | None = None,
          shadows: tuple[str, ...] = ()) -> CheckResult:
    """Turn a probe's outcome into the check's result (`seen`: what the grader saw itself, for a
    check that `sees`; without it, such a check cannot pass; `shadows`: the student's files named like a
    library, see `shadowing_files`)."""
    output, omitted = trimmed_output(outcome.output)
    if outcome.status is not Status.PASSED or outcome.observations is None:
        feedback = _error_feedback(outcome, memory_mb, output, notebook)
        feedback.output_omitted = omitted
        if feedback.summary[0] in RAISED and not check.hidden:
            _raise_hint(feedback, check, str(outcome.error.get("exception", "")), shadows)
        return _result(check, outcome.status, feedback, outcome.duration)
    try:
        if check.sees:
            if seen is None:
                raise LookupError("a check that sees was judged without what the grader saw")
            comparison: Comparison = check.judge(native, exact, outcome.observations, seen)  # type: ignore[misc]
            called = comparison.called
        elif check.judge is not None:
            comparison = check.judge(native, exact, outcome.observations)
            called = comparison.called
        else:
            comparison = compare_observations(native, exact, outcome.observations, check.tolerance,
                                              values=check.values)
            called = comparison.called
    except Exception as exc:  # a result built to break the comparison loses the check, nothing more
        feedback = Feedback(summary=("judge_failed", {"exception": type(exc).__name__}), output=output)
        return _result(check, Status.ERROR, feedback, outcome.duration)
    if comparison.mismatch is None:
        return _result(check, Status.PASSED, None, outcome.duration, margin=comparison.margin)
    feedback = _mismatch_feedback(comparison.mismatch, called, check, output)
    feedback.output_omitted = omitted
    factor = None if check.hidden or check.sees else _factor(native, exact, outcome.observations, called)
    if factor is not None:  # the pattern of the difference says more than a hint about another mistake
        feedback.where = factor
        feedback.hint = feedback.hint if feedback.hint in check.factor_hints else "hint.factor"
    if comparison.mismatch.summary[0] == UNEXPECTED or not _speaks(feedback):
        # the judge found an answer the probe cannot have sent, or turned one into a message id
        feedback = Feedback(summary=(UNEXPECTED, {}), output=output)
        return _result(check, Status.ERROR, feedback, outcome.duration)
    return _result(check, Status.FAILED, feedback, outcome.duration, margin=comparison.margin)


def trimmed_output(output: str) -> tuple[str, int]:
    """The last whole lines of what was printed that fit in OUTPUT_SHOWN characters (the end of one longer
    line if that is all), and how many lines before them were left out."""
    lines = output.rstrip("\n").splitlines()
    kept: list[str] = []
    size = 0
    for line in reversed(lines):
        if size + len(line) + 1 > OUTPUT_SHOWN:
            if not kept:
                kept.append(line[-OUTPUT_SHOWN:])
            break
        kept.append(line)
        size += len(line) + 1
    return "\n".join(reversed(kept)), len(lines) - len(kept)


def _raise_hint(feedback: Feedback, check: Check, exception: str, shadows: tuple[str, ...]) -> None:
    """The hint for code that raised: a file named like a library, an undefined name, or the check's own
    hint where it explains the raise (`Check.hint_on_raise`: a flatten or a matmul that only works for some
    input shapes); no hint otherwise, as the raise is the problem. (A check's hint is about a wrong result.)"""
    if shadows:
        feedback.hint, feedback.hint_facts = "hint.shadowed", {"names": ", ".join(shadows)}
    elif exception in UNDEFINED:
        feedback.hint = "hint.undefined_name"  # an import or a cell that failed, not the check's mistake
    elif check.hint_on_raise:
        feedback.hint = check.hint


def _factor(native: dict[str, Observed], exact: dict[str, Observed], got: dict[str, Observed],
            called: str) -> tuple[str, dict[str, Any]] | None:
    """A constant factor between the reference's values and the student's (`compare.constant_factor`),
    at the key the mismatch was found at or, if that is not a key, at the first key that has one."""
    keys = [called] if called in native else list(native)
    for key in keys:
        observed = got.get(key)
        if observed is not None:
            factor = constant_factor(exact.get(key, native[key]), observed)
            if factor is not None:
                return factor
    return None


def _speaks(feedback: Feedback) -> bool:
    """Whether every message id of `feedback` is one the grader has words for."""
    parts = (feedback.summary, feedback.expected, feedback.got, feedback.where)
    return all(part is None or known(part[0]) for part in parts) and (feedback.hint is None or known(feedback.hint))


def _mismatch_feedback(mismatch: Mismatch, called: str, check: Check, output: str) -> Feedback:
    if check.hidden:
        return Feedback(summary=("hidden_failed", {}))
    hint = mismatch.hint or (None if mismatch.summary[0] in NOT_THE_CHECKS_KIND else check.hint)
    return Feedback(summary=mismatch.summary, called=called, expected=mismatch.expected, got=mismatch.got,
                    where=mismatch.where, hint=hint, output=output)


def _error_feedback(outcome: Outcome, memory_mb: int, output: str, notebook: bool) -> Feedback:
    error = outcome.error
    kind = error.get("kind")
    during_load = bool(error.get("during_load"))
    facts = {"exception": error.get("exception", ""), "message": error.get("message", ""),
             "line": error.get("line"), "code": error.get("code", "")}
    summary: tuple[str, dict[str, Any]]
    if kind == "not_implemented":
        summary = ("not_implemented", {})
    elif kind == "missing_name":
        summary = ("missing_name_notebook" if notebook else "missing_name", {"name": facts["message"].strip("'")})
    elif kind == "memory":
        summary = ("memory", {"limit_mb": memory_mb, "message": facts["message"][:200]})
    elif kind == "exit":
        summary = ("exit", {})
    elif kind == "syntax":
        summary = ("syntax", {"line": facts["line"], "message": facts["message"]})
    elif kind == "timeout":
        summary = ("load_timeout" if during_load else "timeout", {"seconds": round(float(error["seconds"]), 1)})
    elif kind == "died":
        how = f"signal {error['signal']}" if "signal" in error else f"exit code {error.get('exit_code')}"
        summary = ("died", {"how": how})
    elif kind == "unreadable":
        summary = ("unreadable", {"message": facts["message"]})
    elif error.get("cell") and facts["line"] and not during_load:
        summary = ("raised_in_cell", {**facts, "cell": error["cell"]})
    else:
        base = "load_raised" if during_load else "raised"
        summary = (f"{base}_at" if facts["line"] else base, facts)
    return Feedback(summary=summary, output=output)


def _result(check: Check, status: Status, feedback: Feedback | None, duration: float, *,
            margin: float | None = None) -> CheckResult:
    return CheckResult(
        id=check.id, title=check.title, status=status,
        score=check.points if status is Status.PASSED else 0.0, max_score=check.points,
        feedback=feedback, margin=margin, duration=duration, hidden=check.hidden,
    )


def _skipped(check: Check, blocked_by: str) -> CheckResult:
    """A check not run because the check it needs did not pass (`blocked_by`: the key of its title)."""
    return _result(check, Status.SKIPPED, Feedback(summary=("not_run", {"needs": blocked_by})), 0.0)
