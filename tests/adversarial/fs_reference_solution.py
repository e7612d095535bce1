"""Copies the reference solution instead of writing its own.

It looks for the grader's reference_solutions/sq_loss.py where a checkout or a wheel keeps it
(next to the imported `grader` package, through grader.files, relative to its own folder and to
its working directory), through the grader's /proc/<pid>/cwd and /proc/<pid>/root, and imports
it as `grader.reference_solutions.sq_loss`. The worker may read none of these (Landlock: the
grader's package, but not its reference solutions or the checkout around it). The function is
correct, but returns wrong values when the reference was reachable, so a leak costs the score.

expect: {"status": {"shape": "passed", "values": "passed", "grad": "passed", "inputs_unchanged": "passed"}, "max_score": 4, "needs": "landlock"}
"""

import importlib
import os
import pathlib
import sys

import grader


def _grader_pid():
    try:
        with open(f"/proc/{os.getppid()}/status") as status:
            return int(next(line.split()[1] for line in status if line.startswith("PPid:")))
    except (OSError, StopIteration, ValueError):
        return 0


def _candidates():
    package = pathlib.Path(grader.__file__).resolve().parent
    here = pathlib.Path(__file__).resolve().parent
    found = [package / "reference_solutions" / "sq_loss.py", package.parent / "reference_solutions" / "sq_loss.py"]
    try:
        from grader import bank

        where, name = bank.locate("sq_loss")
        found.append(where.reference(name))
    except Exception:
        pass
    for base in (here, pathlib.Path.cwd()):
        found += [parent / "reference_solutions" / "sq_loss.py" for parent in [base, *base.parents]]
    for pid in (_grader_pid(), os.getppid()):
        found += [pathlib.Path(f"/proc/{pid}/cwd/reference_solutions/sq_loss.py"),
                  pathlib.Path(f"/proc/{pid}/root") / str(package.parent / "reference_solutions" / "sq_loss.py")[1:]]
    return found


def _leaks():
    leaks = []
    for path in _candidates():
        try:
            leaks.append(f"read {path}: {path.read_text()[:60]!r}")
        except (OSError, UnicodeDecodeError):
            pass
    try:
        module = importlib.import_module("grader.reference_solutions.sq_loss")
        if hasattr(module, "sq_loss"):
            leaks.append(f"imported {module.__name__} from {module.__file__}")
    except Exception:
        pass
    leaks += [f"found {name} in sys.modules" for name, module in list(sys.modules.items())
              if "reference" in name and name != __name__ and hasattr(module, "sq_loss")]
    return leaks


def sq_loss(y_true, y_prediction):
    leaks = _leaks()
    if leaks:
        print("LEAKED", *leaks, sep="\n")
        return (y_true - y_prediction) ** 2 + 1.0
    return (y_true - y_prediction) ** 2
