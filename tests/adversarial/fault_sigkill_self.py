"""Kills its own worker with SIGKILL in every call: a death the grader did not cause.

A worker killed from outside (the kernel's OOM killer) is retried once on a fresh worker; one
that dies again is that check's error, and the other checks are still graded.

expect: {"status": {"shape": "error", "inputs_unchanged": "error"}, "max_score": 0, "says": {"shape": "SIGKILL"}}
"""

import os
import signal


def sq_loss(y_true, y_prediction):
    os.kill(os.getpid(), signal.SIGKILL)
