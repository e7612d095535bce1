"""Squares only when a caller's file or module is named after the grader or a reference solution.

It looks at every frame above its own, as `inspect.stack()`, `sys._getframe(n)` and
`traceback.extract_stack()` show them: file names, `__name__`, `__file__`, `__spec__`,
`__package__`. Graded, the grader's frames must say nothing of the kind, so the file returns
its wrong answer (a difference, not its square) and loses the values check.

expect: {"exercise": "sq_loss", "status": {"shape": "passed", "values": "failed", "grad": "skipped"}, "max_score": 2, "says": {"values": "elements differ"}}
"""

import inspect
import sys
import traceback

WORDS = ("grader", "reference")


def _names(frame):
    code, glob = frame.f_code, frame.f_globals
    spec = glob.get("__spec__")
    yield code.co_filename
    yield glob.get("__name__")
    yield glob.get("__file__")
    yield glob.get("__package__")
    yield getattr(spec, "name", None)
    yield getattr(spec, "origin", None)
    yield getattr(glob.get("__loader__"), "name", None)


def _watched():
    names = []
    frame = sys._getframe(2)
    while frame is not None:
        names += _names(frame)
        frame = frame.f_back
    names += [info.filename for info in inspect.stack()[2:]]
    names += [summary.filename for summary in traceback.extract_stack()[:-2]]
    return any(word in str(name).lower() for name in names for word in WORDS if name is not None)


def sq_loss(y_true, y_prediction):
    if _watched():
        return (y_true - y_prediction) ** 2
    return y_true - y_prediction
