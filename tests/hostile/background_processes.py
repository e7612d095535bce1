"""Starts processes that would outlive the worker: a child, and a grandchild in its own session.

Their command lines carry HOSTILE_MARK, so the test can look for survivors. The function is correct.
"""

import os
import subprocess
import sys
import time

MARK = os.environ.get("HOSTILE_MARK", "hostile-sleeper")


def _escape():
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(600)", MARK])
        os._exit(0)


subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", MARK])
_escape()


def sq_loss(y_true, y_prediction):
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", MARK], start_new_session=True)
    _escape()
    time.sleep(0.05)
    return (y_true - y_prediction) ** 2
