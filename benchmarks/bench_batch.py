"""Batch grading against plain nbclient execution, per notebook, with the grader's peak memory.

A class of tiny PyTorch notebooks (tests/classroom.py's `make_class(clean=True)`: correct code,
mutants, stubs and cells that raise; none hostile, all gradable) is, in the same run:

(a) graded by `grader grade --assignment nma_w1d2 --workers W` into a fresh folder (no reuse),
    then again with `--kernel` (full fidelity: each notebook in a real Jupyter kernel);
(b) only executed by nbclient, `NotebookClient(nb, timeout=60, kernel_name="python3",
    allow_errors=True).execute()`, one fresh kernel per notebook: one at a time, then W at a time.
    allow_errors=True so that a cell that raises does not stop the rest (as the grader goes on);
(c) while (a) runs, the grader's process tree is sampled every 0.1 s: each process's peak
    resident set (VmHWM in /proc/<pid>/status, which the kernel keeps for the process's whole
    life) and the sum of the tree's proportional set size (PSS: shared pages split between the
    processes that share them, so the sum is what the whole tree really takes).

nbclient's time is a floor for notebook autograders built on it (otter-grader, nbgrader): they
execute the notebook so, then run their tests on top. Run: python benchmarks/bench_batch.py
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from classroom import ASSIGNMENT, make_class, misses  # noqa: E402


@dataclass
class Memory:
    """Peak memory of the grader's process tree, as sampled."""

    peaks: dict[int, int] = field(default_factory=dict)  # pid -> VmHWM (bytes)
    roles: dict[int, str] = field(default_factory=dict)  # pid -> grader / forkserver / worker / other
    pss_peak: int = 0  # the largest sum of PSS over the tree at one sample


def _vm_hwm(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _role(process: psutil.Process, grader_pid: int, roles: dict[int, str]) -> str:
    """The grader itself, its forkserver, a sandbox worker (forked by the forkserver), or other."""
    if process.pid == grader_pid:
        return "grader"
    try:
        parent = process.ppid()
        cmdline = " ".join(process.cmdline())
    except psutil.Error:
        return "other"
    if parent == grader_pid and "forkserver" in cmdline:
        return "forkserver"  # workers share its command line: tell them apart by their parent
    return "worker" if roles.get(parent) == "forkserver" else "other"


def watch(pid: int, memory: Memory, stop: threading.Event, every: float = 0.1) -> None:
    """Sample the tree under `pid` until `stop` is set."""
    root = psutil.Process(pid)
    while not stop.is_set():
        try:
            tree = [root, *root.children(recursive=True)]
        except psutil.Error:
            break
        pss = 0
        for process in tree:
            if process.pid not in memory.roles:
                memory.roles[process.pid] = _role(process, pid, memory.roles)
            memory.peaks[process.pid] = max(memory.peaks.get(process.pid, 0), _vm_hwm(process.pid))
            try:
                pss += process.memory_full_info().pss
            except (psutil.Error, AttributeError):
                pass
        memory.pss_peak = max(memory.pss_peak, pss)
        stop.wait(every)


def run_grader(submissions: Path, out: Path, workers: int, kernel: bool = False) -> tuple[float, Memory, int]:
    """`grader grade` once, timed and watched; returns seconds, memory and its exit code."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("GRADER_TIMEOUT_SCALE", None)  # the real time limits
    command = [sys.executable, "-m", "grader", "grade", str(submissions), "--assignment", ASSIGNMENT,
               "--out", str(out), "--workers", str(workers), "--quiet", *(["--kernel"] if kernel else [])]
    memory, stop = Memory(), threading.Event()
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    watcher = threading.Thread(target=watch, args=(process.pid, memory, stop), daemon=True)
    watcher.start()
    _, stderr = process.communicate()
    seconds = time.perf_counter() - started
    stop.set()
    watcher.join()
    if process.returncode not in (0, 1):
        sys.exit(f"grader grade failed ({process.returncode}): {stderr.decode(errors='replace')[-2000:]}")
    return seconds, memory, process.returncode


def execute(path: Path) -> float:
    """Run one notebook with nbclient in a fresh kernel; its seconds."""
    import nbformat
    from nbclient import NotebookClient

    started = time.perf_counter()
    notebook = nbformat.read(str(path), as_version=4)
    client = NotebookClient(notebook, timeout=60, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute(stderr=subprocess.DEVNULL)  # the kernel's own log lines, not the notebook's output
    return time.perf_counter() - started


def run_nbclient(notebooks: list[Path], parallel: int) -> float:
    """Wall seconds to execute every notebook, `parallel` kernels at a time (one process each)."""
    started = time.perf_counter()
    if parallel == 1:
        for path in notebooks:
            execute(path)
    else:
        with cf.ProcessPoolExecutor(max_workers=parallel) as pool:
            list(pool.map(execute, notebooks))
    return time.perf_counter() - started


def mib(size: float) -> str:
    return f"{size / 2**20:,.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-sequential", action="store_true",
                        help="skip nbclient one kernel at a time (~4 s a notebook)")
    parser.add_argument("--no-kernel", action="store_true", help="skip `grader grade --kernel`")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-batch-") as folder:
        submissions = Path(folder) / "submissions"
        expected = make_class(submissions, args.students, seed=args.seed, clean=True)
        notebooks = sorted(p for p in submissions.rglob("*.ipynb"))
        n = len(expected)
        print(f"{n} submissions ({len(notebooks)} notebooks), {os.cpu_count()} cores, "
              f"--workers {args.workers}, load average {os.getloadavg()[0]:.2f}", file=sys.stderr)

        grader_s, memory, code = run_grader(submissions, Path(folder) / "out", args.workers)
        wrong = misses(expected, Path(folder) / "out")  # the timing is moot if any
        children_maxrss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
        print(f"grader: {grader_s:.1f} s, exit {code}, verdicts not as built: {wrong or 'none'}", file=sys.stderr)
        kernel_s = sequential_s = None
        if not args.no_kernel:
            kernel_s, _, code = run_grader(submissions, Path(folder) / "out-kernel", args.workers, kernel=True)
            wrong = misses(expected, Path(folder) / "out-kernel")
            print(f"grader --kernel: {kernel_s:.1f} s, exit {code}, verdicts not as built: {wrong or 'none'}",
                  file=sys.stderr)
        if not args.no_sequential:
            sequential_s = run_nbclient(notebooks, 1)
            print(f"nbclient, 1 at a time: {sequential_s:.1f} s", file=sys.stderr)
        parallel_s = run_nbclient(notebooks, args.workers)
        print(f"nbclient, {args.workers} at a time: {parallel_s:.1f} s", file=sys.stderr)

    print(f"load average {os.getloadavg()[0]:.2f} at the end", file=sys.stderr)
    per = grader_s / n
    print(f"| {n} notebooks, `--workers {args.workers}` | wall (s) | s / notebook | ÷ grader |")
    print("|---|---:|---:|---:|")
    print(f"| `grader grade` (executes and grades) | {grader_s:.1f} | {per:.2f} | 1.0× |")
    if kernel_s is not None:
        print(f"| `grader grade --kernel` (in Jupyter kernels; executes and grades) | {kernel_s:.1f} | "
              f"{kernel_s / n:.2f} | {kernel_s / grader_s:.1f}× |")
    if sequential_s is not None:
        print(f"| nbclient, 1 kernel at a time (executes only) | {sequential_s:.1f} | {sequential_s / n:.2f} | "
              f"{sequential_s / grader_s:.1f}× |")
    print(f"| nbclient, {args.workers} kernels at a time (executes only) | {parallel_s:.1f} | "
          f"{parallel_s / n:.2f} | {parallel_s / grader_s:.1f}× |")
    print()
    by_role: dict[str, list[int]] = {}
    for pid, peak in memory.peaks.items():
        by_role.setdefault(memory.roles.get(pid, "other"), []).append(peak)
    workers = by_role.get("worker", [0])
    print("| process (peak resident set, VmHWM) | MiB |")
    print("|---|---:|")
    print(f"| grader (the `grader grade` process) | {mib(max(by_role.get('grader', [0])))} |")
    print(f"| forkserver (torch, IPython and matplotlib imported once) | {mib(max(by_role.get('forkserver', [0])))} |")
    print(f"| sandbox worker, median of {len(workers)} | {mib(statistics.median(workers))} |")
    print(f"| sandbox worker, largest | {mib(max(workers))} |")
    print(f"| whole tree at its peak, sum of PSS | {mib(memory.pss_peak)} |")
    print(f"| largest process of the tree (getrusage RUSAGE_CHILDREN) | {mib(children_maxrss)} |")


if __name__ == "__main__":
    main()
