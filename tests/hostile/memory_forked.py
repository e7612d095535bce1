"""Each forked child stays under the per-process address-space cap; together they do not."""

import os
import time


def sq_loss(y_true, y_prediction):
    for _ in range(5):
        if os.fork() == 0:
            block = b"x" * 700_000_000  # written, so really resident
            time.sleep(60)
            os._exit(0)
    time.sleep(60)
