"""Correct: Tensor.pow, written as a one-liner with a lambda."""

sq_loss = lambda y_true, y_prediction: (y_true - y_prediction).pow(2)  # noqa: E731
