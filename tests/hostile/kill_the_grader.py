"""Tries to kill the forkserver, the grader, and (only when running under a sandbox uid) everything it may.

Then computes the right answer: the grader must survive and give full marks.
"""

import os
import signal


def _ppid(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(next(line for line in f if line.startswith("PPid:")).split()[1])


def attack():
    targets = []
    try:
        forkserver = os.getppid()
        targets = [forkserver, _ppid(forkserver)]
    except Exception:
        pass
    for pid in targets:
        if pid > 1:
            for sig in (signal.SIGKILL, signal.SIGTERM):
                try:
                    os.kill(pid, sig)
                    print(f"SIGNALLED {pid}")
                except OSError as exc:
                    print(f"refused {pid}: {exc}")


attack()


def sq_loss(y_true, y_prediction):
    attack()
    return (y_true - y_prediction) ** 2
