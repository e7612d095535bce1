"""How long `grader check` takes per core exercise, against a bare `python -c "import torch"`.

Both are measured in the same run, interleaved, so machine load affects both alike; the
table prints medians and the ratio. Target (issue #4): sq_loss ≤ ~1.3× the bare import.
Run: python benchmarks/bench_check.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXERCISES = ("sq_loss", "simple_graph", "my_linear", "broadcast_distances", "train_loop", "cnn_classifier")


def seconds(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("exercises", nargs="*", default=list(EXERCISES))
    args = parser.parse_args()

    bare = [sys.executable, "-c", "import torch"]
    rows = []
    for name in args.exercises:
        grade = [sys.executable, "-m", "grader", "check", name, "--json",
                 "--file", str(ROOT / "reference_solutions" / f"{name}.py")]
        seconds(grade)  # warm the file cache once
        base, ours = [], []
        for _ in range(args.repeat):
            base.append(seconds(bare))
            ours.append(seconds(grade))
        rows.append((name, statistics.median(base), statistics.median(ours)))

    print(f"| exercise | `import torch` (s) | `grader check` (s) | ratio |")
    print(f"|---|---:|---:|---:|")
    for name, base_s, ours_s in rows:
        print(f"| {name} | {base_s:.2f} | {ours_s:.2f} | {ours_s / base_s:.2f}× |")


if __name__ == "__main__":
    main()
