"""Plants result files in the worker's directory: torch.save'd 'answers' and a pickle that runs code.

The grader never reads files from the sandbox, and never unpickles what the sandbox sends.
HOSTILE_DIR, when set, is where a successful exploit would leave its mark.
"""

import os
import pickle

import torch

MARK = os.path.join(os.environ.get("HOSTILE_DIR", "/nonexistent"), "pickle-ran")


class Exploit:
    def __reduce__(self):
        return (os.system, (f"touch {MARK}",))


def _plant():
    for i in range(8):
        torch.save({"0": torch.zeros(5), "1": torch.zeros(4, 5)}, f"probe{i}.pt")
        with open(f"probe{i}.pkl", "wb") as f:
            pickle.dump(Exploit(), f)
        torch.save({"0": Exploit()}, f"forged{i}.pt")


_plant()


def sq_loss(y_true, y_prediction):
    _plant()
    return None
