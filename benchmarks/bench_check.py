"""How long `grader check` takes per exercise, against a bare `python -c "import torch"`: live (this
checkout, references run in the grader) and from the pack (the wheel installed in a fresh venv, as a
student gets it: the built-in bank is grader/builtin_pack, the references' results are data).

All three are measured in the same run, interleaved, so machine load affects them alike; the table
prints medians and the ratios, and the CPU seconds (user + system) of the processes each command started and
reaped: for `grader check` that is the grader process alone (it leaves with os._exit, its forkserver and
workers are not reaped), where everything a pack changes happens (reading the frozen data, the calibration);
a loaded machine stretches CPU seconds far less than wall time. Targets: sq_loss live ≤ ~1.3× the bare
import (issue #4); from the pack, ≤ 1.3× for every exercise that does not train (issue #11).
Run: python benchmarks/bench_check.py [--repeat 5] [EXERCISES...]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRAINS = {"train_loop", "cnn_classifier"}  # a training run is part of the check: no 1.3× target


def seconds(command: Sequence[str | Path], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system of the processes it started and reaped) of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def install(folder: Path) -> Path:
    """A fresh venv with the wheel of this checkout installed (dependencies from this environment)."""
    source = folder / "src"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "*.egg-info", "__pycache__", ".mypy_cache", ".pytest_cache", ".hypothesis",
        "tests", "benchmarks", "docs"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(folder), str(source)], check=True)
    venv = folder / "venv"
    # Not --system-site-packages: the interpreter's own site-packages may hold .pth files that run at every start
    # (on the development machine one imports certifi, 0.3 s per process), which this environment and a
    # student's do not.
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    Path(site, "_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    (wheel,) = folder.glob("torchgrader-*.whl")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)],
                   check=True)
    return venv


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("exercises", nargs="*",
                        default=json.loads((ROOT / "grader/builtin_pack/pack.json").read_text())["exercises"])
    args = parser.parse_args()

    print("| exercise | `import torch` (s) | live `grader check` (s) | ratio | pack `grader check` (s) | ratio | target "
          "| CPU s: import / live / pack |")
    print("|---|---:|---:|---:|---:|---:|---|---|", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-check-") as tmp:
        venv = install(Path(tmp))
        student = Path(tmp) / "student"
        student.mkdir()
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "GRADER_BANK")}
        bare = [sys.executable, "-c", "import torch"]
        for name in args.exercises:
            solution = str(ROOT / "reference_solutions" / f"{name}.py")
            live = [sys.executable, "-m", "grader", "check", name, "--json", "--file", solution]
            packed = [venv / "bin" / "grader", "check", name, "--json", "--file", solution]
            seconds(live, ROOT), seconds(packed, student, env)  # warm the file cache once
            runs: dict[str, list[tuple[float, float]]] = {"bare": [], "live": [], "pack": []}
            commands = {"bare": (bare, ROOT, None), "live": (live, ROOT, None), "pack": (packed, student, env)}
            order = list(commands)
            for round_ in range(args.repeat):  # the order turns each round: none always follows a grading
                for key in order[round_ % 3:] + order[:round_ % 3]:  # (whose processes may still be exiting)
                    runs[key].append(seconds(*commands[key]))
            base, ours, frozen = runs["bare"], runs["live"], runs["pack"]
            row(name, medians(base), medians(ours), medians(frozen))
    print(f"load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores, --repeat {args.repeat}")


def medians(runs: list[tuple[float, float]]) -> tuple[float, float]:
    """The median wall seconds and the median CPU seconds of some runs of one command."""
    return statistics.median(wall for wall, _ in runs), statistics.median(cpu for _, cpu in runs)


def row(name: str, base: tuple[float, float], ours: tuple[float, float], frozen: tuple[float, float]) -> None:
    """One line of the table (medians of wall and CPU seconds), printed as soon as it is measured."""
    (base_s, base_cpu), (ours_s, ours_cpu), (frozen_s, frozen_cpu) = base, ours, frozen
    target = "trains" if name in TRAINS else ("ok" if frozen_s / base_s <= 1.3 else "over 1.3×")
    print(f"| {name} | {base_s:.2f} | {ours_s:.2f} | {ours_s / base_s:.2f}× | {frozen_s:.2f} | "
          f"{frozen_s / base_s:.2f}× | {target} | {base_cpu:.2f} / {ours_cpu:.2f} / {frozen_cpu:.2f} |", flush=True)


if __name__ == "__main__":
    main()
