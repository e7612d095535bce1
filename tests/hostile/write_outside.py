"""Tries to write outside its sandbox: the grader's package, the reference, home, /tmp, /dev/shm.

Every attempt is non-destructive (append mode, nothing appended) except creating files named
'hostile-was-here' (the test removes them if the sandbox failed). Prints what it managed.
The function itself is correct, so the verdict must be full marks.
"""

import os
import pathlib
import pwd

import grader
import torch

PACKAGE = pathlib.Path(grader.__file__).resolve().parent
TARGETS = [
    PACKAGE.parent / "reference_solutions" / "sq_loss.py",
    PACKAGE / "engine.py",
    PACKAGE / "__pycache__" / "hostile-was-here",
    pathlib.Path(pwd.getpwuid(os.getuid() if os.getuid() < 2**30 else 0).pw_dir) / "hostile-was-here",
    pathlib.Path("/tmp/hostile-was-here"),
    pathlib.Path("/dev/shm/hostile-was-here"),
]
if os.environ.get("HOSTILE_DIR"):
    TARGETS.append(pathlib.Path(os.environ["HOSTILE_DIR"]) / "hostile-was-here")


def attempt():
    for target in TARGETS:
        try:
            with open(target, "a"):
                pass
            print(f"WROTE {target}")
        except OSError as exc:
            print(f"refused {target}: {type(exc).__name__}")
    try:
        with open("inside.txt", "w") as f:
            f.write("the sandbox's own directory is writable\n")
        print("WROTE-INSIDE")
    except OSError as exc:
        print(f"refused inside: {exc}")


attempt()


def sq_loss(y_true, y_prediction):
    attempt()
    return (y_true - y_prediction) ** 2
