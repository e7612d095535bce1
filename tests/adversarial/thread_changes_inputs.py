"""Returns the right loss, then changes `y_true` in place from a thread, 50 ms later.

Observed as the function returns, the inputs look unchanged. A check's values must be
observed once every thread its call started has finished: the thread's change is seen,
and the 'inputs unchanged' check fails. (A raw `_thread` thread changes `y_prediction`.)

expect: {"exercise": "sq_loss", "status": {"shape": "passed", "values": "passed", "inputs_unchanged": "failed"}, "max_score": 3}
"""

import _thread
import threading
import time

import torch


def _later(tensor, delay):
    time.sleep(delay)
    with torch.no_grad():
        tensor.add_(1)


def sq_loss(y_true, y_prediction):
    loss = (y_true - y_prediction) ** 2
    threading.Thread(target=_later, args=(y_true, 0.05), daemon=True).start()
    _thread.start_new_thread(_later, (y_prediction, 0.08))
    return loss
