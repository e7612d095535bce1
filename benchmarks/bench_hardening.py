"""What the sandbox's hardening cost: this checkout against an older one, side by side in one run.

Two checkouts of the grader, both run with this interpreter (the same venv, torch and all), each
with its own package first on PYTHONPATH and its own folder as the working directory (so that
`python -m grader` imports that checkout's `grader`, never the venv's editable install):

(a) `grader check EXERCISE --file reference_solutions/EXERCISE.py --json` for every exercise of
    `grader list` (a full grading, full marks; each checkout grades its own reference file);
(b) `grader grade --assignment nma_w1d2 --workers 2 --quiet` of bench_batch.py's class
    (tests/classroom.py, `make_class(clean=True)`, built once from this checkout), into a fresh
    folder each time, with the real time limits.

Runs alternate, before then after, pair by pair (after one unmeasured warm-up run of each), so a
load that drifts during the run affects both alike. Each run is timed twice: wall seconds, and the
CPU seconds (user + system) of its whole process tree, the forkserver and every sandbox worker
included (this process is their subreaper, so the orphaned forkserver is reaped here and counted by
RUSAGE_CHILDREN): CPU time barely moves with the machine's load, wall time does. The table prints
each side's medians and the medians of the per-pair ratios after ÷ before. Targets (issue #10): at
most +5% for `check`, +10% for the batch.

Run: python benchmarks/bench_hardening.py --before /tmp/before   (git worktree add /tmp/before e61d554;
--after PATH compares another checkout than this one, e.g. a worktree of a given commit)
"""

from __future__ import annotations

import argparse
import ctypes
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from classroom import ASSIGNMENT, make_class  # noqa: E402


def _env(checkout: Path) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    env.pop("GRADER_TIMEOUT_SCALE", None)  # the real time limits
    return env


def which_grader(checkout: Path) -> Path:
    """The `grader/__init__.py` a run in `checkout` imports (it must be that checkout's)."""
    out = subprocess.run([sys.executable, "-c", "import grader; print(grader.__file__)"], cwd=checkout,
                         env=_env(checkout), capture_output=True, text=True, check=True)
    return Path(out.stdout.strip()).resolve()


def exercises(checkout: Path) -> list[str]:
    """`grader list`'s exercise names."""
    out = subprocess.run([sys.executable, "-m", "grader", "list"], cwd=checkout, env=_env(checkout),
                         capture_output=True, text=True, check=True)
    return [line.split()[0] for line in out.stdout.splitlines() if line.strip()]


PR_SET_CHILD_SUBREAPER = 36


def become_subreaper() -> None:
    """Orphans of the commands we run (the forkserver outlives `grader`, which ends with os._exit) are
    reparented to us, so that we reap them and their CPU time is counted in RUSAGE_CHILDREN."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, ctypes.c_ulong(1), 0, 0, 0)


def _reap_orphans(bound: float = 30.0) -> None:
    """Wait for every process left behind (the forkserver exits once the grader is gone)."""
    deadline = time.monotonic() + bound
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.01)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str], checkout: Path) -> tuple[float, float]:
    """Wall seconds and CPU seconds (the whole process tree) of one run of `command` in `checkout`;
    a run that fails stops the benchmark."""
    cpu = _cpu()
    started = time.perf_counter()
    done = subprocess.run(command, cwd=checkout, env=_env(checkout), stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, check=False)
    seconds = time.perf_counter() - started
    _reap_orphans()
    if done.returncode not in (0, 1):
        sys.exit(f"{' '.join(command)} in {checkout} failed ({done.returncode}): "
                 f"{done.stderr.decode(errors='replace')[-2000:]}")
    return seconds, _cpu() - cpu


Row = tuple[str, float, float, float, float, float, float]  # label, wall before/after/ratio, cpu before/after/ratio


def paired(label: str, before: tuple[list[str], Path], after: tuple[list[str], Path], repeat: int,
           fresh: Path | None = None) -> Row:
    """Medians of before and after and of the per-pair ratios after/before (wall, then CPU), runs
    alternating. With `fresh`, that folder (an --out that must not exist) is removed before every run."""
    def run(side: tuple[list[str], Path]) -> tuple[float, float]:
        if fresh is not None:
            subprocess.run(["rm", "-rf", str(fresh)], check=True)
        return timed(*side)

    run(before), run(after)  # warm-up: file cache, .pyc
    old, new = [], []
    for _ in range(repeat):
        old.append(run(before))
        new.append(run(after))
    med = statistics.median
    return (label, med(o[0] for o in old), med(n[0] for n in new), med(n[0] / o[0] for o, n in zip(old, new)),
            med(o[1] for o in old), med(n[1] for n in new), med(n[1] / o[1] for o, n in zip(old, new)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="the older checkout (a git worktree)")
    parser.add_argument("--after", type=Path, default=ROOT, help="the newer checkout (default: this one)")
    parser.add_argument("--repeat", type=int, default=5, help="pairs per exercise (default 5)")
    parser.add_argument("--batch-repeat", type=int, default=3, help="pairs for the batch (default 3)")
    parser.add_argument("--students", type=int, default=50)
    parser.add_argument("--no-batch", action="store_true")
    parser.add_argument("--no-check", action="store_true")
    parser.add_argument("exercises", nargs="*", help="default: every exercise of `grader list`")
    args = parser.parse_args()

    old_root, new_root = args.before.resolve(), args.after.resolve()
    for checkout in (old_root, new_root):
        found = which_grader(checkout)
        if found != checkout / "grader" / "__init__.py":
            sys.exit(f"{checkout} imports {found}, not its own grader")
    names = args.exercises or [e for e in exercises(new_root) if e in set(exercises(old_root))]
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the start", file=sys.stderr)

    become_subreaper()
    rows: list[Row] = []
    if not args.no_check:
        for name in names:
            def command(checkout: Path) -> tuple[list[str], Path]:
                return ([sys.executable, "-m", "grader", "check", name, "--json",
                         "--file", str(checkout / "reference_solutions" / f"{name}.py")], checkout)
            rows.append(paired(f"`check {name}`", command(old_root), command(new_root), args.repeat))
            print(f"{rows[-1][0]}: wall {rows[-1][3]:.3f}×, cpu {rows[-1][6]:.3f}×", file=sys.stderr)

    if not args.no_batch:
        with tempfile.TemporaryDirectory(prefix="bench-hardening-") as folder:
            submissions = Path(folder) / "submissions"
            n = len(make_class(submissions, args.students, seed=0, clean=True))
            out = Path(folder) / "out"

            def grade(checkout: Path) -> tuple[list[str], Path]:
                return ([sys.executable, "-m", "grader", "grade", str(submissions), "--assignment", ASSIGNMENT,
                         "--out", str(out), "--workers", "2", "--quiet"], checkout)
            rows.append(paired(f"`grade` {n} notebooks, `--workers 2`", grade(old_root), grade(new_root),
                               args.batch_repeat, fresh=out))

    print(f"load average {os.getloadavg()[0]:.2f} at the end", file=sys.stderr)
    print("| command | wall before (s) | wall after (s) | wall after ÷ before | CPU before (s) | CPU after (s) "
          "| CPU after ÷ before |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, old_s, new_s, ratio, old_c, new_c, ratio_c in rows:
        print(f"| {label} | {old_s:.2f} | {new_s:.2f} | {ratio:.3f}× | {old_c:.2f} | {new_c:.2f} | {ratio_c:.3f}× |")


if __name__ == "__main__":
    main()
