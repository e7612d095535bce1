"""Defines sq_los (a typo), not sq_loss."""


def sq_los(y_true, y_prediction):
    return (y_true - y_prediction) ** 2
