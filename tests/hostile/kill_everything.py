"""kill(-1, SIGKILL) from the function: every process the worker may signal.

Only fired under a sandbox uid (>= 2**30, where that means just the worker's own processes), so
that running this file by mistake outside the sandbox does no harm.
"""

import os
import signal


def sq_loss(y_true, y_prediction):
    if os.getuid() >= 2**30:
        os.kill(-1, signal.SIGKILL)
    return (y_true - y_prediction) ** 2
