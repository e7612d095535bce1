"""Inside the worker: the grader's frames say nothing about the grader to the student's code.

A function could behave only when its caller's file or module is named after the grader
(or a reference solution): `inspect.stack()`, `sys._getframe(n).f_code.co_filename`,
`f_globals["__name__"]`, `traceback.extract_stack()` would all tell. So before any student
code runs, `neutralize` gives every code object of the grader's modules loaded in the
worker, and of the exercises' checks (`grader_checks_*` modules, from the banks' folders), the file name
NEUTRAL_FILE (functions, methods, closures built at import, and what
they will build), and the globals those frames see neutral `__name__`, `__file__`,
`__spec__`, `__loader__`, `__cached__`, `__package__` and `__doc__`. Packages keep theirs
(the import system reads a package's `__name__` and `__path__` to import its modules).

Only the worker is changed (it runs after the fork). The student's own frames keep their
names, so tracebacks still point at the student's file and line; warnings from a grader
frame show no place (see streams.show_warning).
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from types import CodeType, FunctionType, ModuleType
from typing import Any

NEUTRAL_FILE = "<check>"
NEUTRAL_NAME = "check"
PACKAGE_DIR = str(Path(__file__).resolve().parent.parent)  # the grader package: grader/
_DEPTH = 6  # how deep objects built at import (an exercise's checks, ...) are searched for functions
_WIDTH = 1000  # containers longer than this hold data, not functions
CHECKS = "grader_checks_"  # the prefix of an exercise's checks module (grader.bank.folder.checks_module)


_FILES: list[str] = [PACKAGE_DIR]  # folders whose code is the grader's: grader/ and the checks' folders


def _grader_module(name: str) -> bool:
    return name == "grader" or name.startswith(("grader.", CHECKS))


def neutralize(extra: tuple[Any, ...] = ()) -> None:
    """Neutral names for the grader's code and modules in this process, and for `extra` (e.g. probes)."""
    seen: dict[int, Any] = {}  # what was visited, kept alive so that no id is reused
    checks = [getattr(module, "__file__", None) for name, module in list(sys.modules.items()) if name.startswith(CHECKS)]
    files = [PACKAGE_DIR] + [str(Path(file).resolve().parent) for file in checks if file]
    _FILES[:] = files
    for name, module in list(sys.modules.items()):
        if not _grader_module(name) or not isinstance(module, ModuleType):
            continue
        namespace = vars(module)
        for value in list(namespace.values()):
            _visit(value, seen, 0)
        if "__path__" not in namespace:  # a package keeps its names: its submodules are imported by them
            namespace.update({"__name__": NEUTRAL_NAME, "__file__": NEUTRAL_FILE, "__spec__": None,
                              "__loader__": None, "__cached__": None, "__package__": "", "__doc__": None})
    for value in extra:
        _visit(value, seen, 0)


def neutral_code(code: CodeType) -> CodeType:
    """`code`, and every code object it holds, with the file name NEUTRAL_FILE."""
    consts = tuple(neutral_code(c) if isinstance(c, CodeType) else c for c in code.co_consts)
    return code.replace(co_filename=NEUTRAL_FILE, co_consts=consts)


def _visit(value: Any, seen: dict[int, Any], depth: int) -> None:
    if id(value) in seen or depth > _DEPTH:
        return
    seen[id(value)] = value
    if isinstance(value, FunctionType):
        if value.__code__.co_filename.startswith(tuple(_FILES)):
            value.__code__ = neutral_code(value.__code__)
            for cell in value.__closure__ or ():  # what a decorator wraps
                try:
                    _visit(cell.cell_contents, seen, depth + 1)
                except ValueError:  # an empty cell
                    pass
        return
    if isinstance(value, (staticmethod, classmethod)):
        _visit(value.__func__, seen, depth + 1)
    elif isinstance(value, property):
        for accessor in (value.fget, value.fset, value.fdel):
            _visit(accessor, seen, depth + 1)
    elif isinstance(value, functools.partial):
        _visit(value.func, seen, depth + 1)
    elif isinstance(value, (list, tuple, set, frozenset)) and len(value) <= _WIDTH:
        for item in value:
            _visit(item, seen, depth + 1)
    elif isinstance(value, dict) and len(value) <= _WIDTH:
        for item in list(value.values()):
            _visit(item, seen, depth + 1)
    elif isinstance(value, type):
        if _ours(value):
            _visit(dict(vars(value)), seen, depth + 1)  # its methods
    elif not isinstance(value, ModuleType):
        try:
            fields = dict(object.__getattribute__(value, "__dict__"))
        except (AttributeError, TypeError):
            return
        if "__wrapped__" in fields:  # functools.cache and other wrappers
            _visit(fields["__wrapped__"], seen, depth + 1)
        if _ours(type(value)):  # an object built at import (an exercise, a check): its fields
            _visit(fields, seen, depth + 1)


def _ours(cls: type) -> bool:
    """Whether `cls` was defined in the grader's own modules."""
    module = getattr(cls, "__module__", None)
    return isinstance(module, str) and _grader_module(module)
