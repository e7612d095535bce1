"""What naming known mistakes costs a failing `grader check`: with and without `grader.mistakes`.

For each failing mutant below, `python -m grader check NAME --file MUTANT` runs REPEAT times with known
mistakes (as shipped) and REPEAT times without (`grader.mistakes.explain` replaced by one that names
nothing), alternately, each in a fresh process (as a student runs it: no mutant computed yet). Printed:
the median wall time of each, their ratio, and the wall and CPU seconds the "with" runs spent in
`explain` (median; on a loaded machine the CPU seconds are the figure to compare with LIVE_BUDGET).
Run: python benchmarks/bench_mistakes.py [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASES = [("sq_loss", "abs_instead_of_square"), ("train_loop", "no_zero_grad"),
         ("cnn_classifier", "flatten_channels_last")]
RUN = """
import sys, time
import grader.mistakes as mistakes
explain = mistakes.explain
def timed(*args, **kwargs):
    started, cpu = time.monotonic(), time.process_time()
    try:
        return explain(*args, **kwargs)
    finally:
        print(f"EXPLAIN_S={{time.monotonic() - started:.4f}}", file=sys.stderr)
        print(f"EXPLAIN_CPU={{time.process_time() - cpu:.4f}}", file=sys.stderr)
mistakes.explain = timed if {with_mistakes} else (lambda *args, **kwargs: {{}})
sys.argv = ["grader", "check", {exercise!r}, "--file", {path!r}]
from grader.__main__ import main
try:
    main()
except SystemExit:
    pass
"""


def once(exercise: str, mutant: str, with_mistakes: bool) -> tuple[float, float, float]:
    path = str(ROOT / "exercises" / exercise / "mutants" / f"{mutant}.py")
    code = RUN.format(with_mistakes=with_mistakes, exercise=exercise, path=path)
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    wall = time.monotonic() - started
    spent = sum(float(line.split("=", 1)[1]) for line in done.stderr.splitlines() if line.startswith("EXPLAIN_S="))
    cpu = sum(float(line.split("=", 1)[1]) for line in done.stderr.splitlines() if line.startswith("EXPLAIN_CPU="))
    if with_mistakes and "known mistake" not in done.stdout:
        print(f"  note: {exercise}/{mutant} named no known mistake", file=sys.stderr)
    return wall, spent, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}; median of {args.repeat} fresh processes each")
    print(f"{'failing file':45} {'without s':>10} {'with s':>10} {'ratio':>7} {'explain s':>10} {'cpu s':>7}")
    for exercise, mutant in CASES:
        without, with_, spent, cpu = [], [], [], []
        for _ in range(args.repeat):
            without.append(once(exercise, mutant, False)[0])
            wall, explain, explain_cpu = once(exercise, mutant, True)
            with_.append(wall)
            spent.append(explain)
            cpu.append(explain_cpu)
        a, b = statistics.median(without), statistics.median(with_)
        print(f"{exercise + '/' + mutant:45} {a:10.2f} {b:10.2f} {b / a:7.2f} {statistics.median(spent):10.3f}"
              f" {statistics.median(cpu):7.3f}")


if __name__ == "__main__":
    main()
