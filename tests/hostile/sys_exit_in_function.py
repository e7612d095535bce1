"""sys.exit() inside the function."""

import sys


def sq_loss(y_true, y_prediction):
    sys.exit("bye")
