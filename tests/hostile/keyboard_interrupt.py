"""KeyboardInterrupt from the function (a BaseException, not an Exception)."""


def sq_loss(y_true, y_prediction):
    raise KeyboardInterrupt
