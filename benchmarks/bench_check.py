"""How long `grader check` takes per exercise, against a bare `python -c "import torch"`: live (this
checkout, references run in the grader) and from the pack (the wheel installed in a fresh venv, as a
student gets it: the built-in bank is grader/builtin_pack, the references' results are data).

All three are measured in the same run, interleaved, so machine load affects them alike; the table
prints medians and the ratios. Targets: sq_loss live ≤ ~1.3× the bare import (issue #4); from the pack,
≤ 1.3× for every exercise that does not train (issue #11).
Run: python benchmarks/bench_check.py [--repeat 5] [EXERCISES...]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRAINS = {"train_loop", "cnn_classifier"}  # a training run is part of the check: no 1.3× target


def seconds(command: list[str | Path], cwd: Path, env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def install(folder: Path) -> Path:
    """A fresh venv with the wheel of this checkout installed (dependencies from this environment)."""
    source = folder / "src"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "*.egg-info", "__pycache__", ".mypy_cache", ".pytest_cache", ".hypothesis",
        "tests", "benchmarks", "docs"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(folder), str(source)], check=True)
    venv = folder / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    Path(site, "_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    (wheel,) = folder.glob("torchgrader-*.whl")
    subprocess.run([python, "-m", "pip", "install", "--no-deps", "-q", str(wheel)], check=True)
    return venv


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("exercises", nargs="*",
                        default=json.loads((ROOT / "grader/builtin_pack/pack.json").read_text())["exercises"])
    args = parser.parse_args()

    print("| exercise | `import torch` (s) | live `grader check` (s) | ratio | pack `grader check` (s) | ratio | target |")
    print("|---|---:|---:|---:|---:|---:|---|", flush=True)
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
            base, ours, frozen = [], [], []
            for _ in range(args.repeat):
                base.append(seconds(bare, ROOT))
                ours.append(seconds(live, ROOT))
                frozen.append(seconds(packed, student, env))
            row(name, statistics.median(base), statistics.median(ours), statistics.median(frozen))
    print(f"load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores, --repeat {args.repeat}")


def row(name: str, base_s: float, ours_s: float, frozen_s: float) -> None:
    """One line of the table, printed as soon as it is measured."""
    target = "trains" if name in TRAINS else ("ok" if frozen_s / base_s <= 1.3 else "over 1.3×")
    print(f"| {name} | {base_s:.2f} | {ours_s:.2f} | {ours_s / base_s:.2f}× | {frozen_s:.2f} | "
          f"{frozen_s / base_s:.2f}× | {target} |", flush=True)


if __name__ == "__main__":
    main()
