"""Reading a submission's source in the grader: what it names, and what the grader cannot follow.

"How" checks (no nn.Linear, no cdist, no loop over rows) are decided here, in the grader process,
from the student's source text, never from what code in the student's own process reports. The
source is parsed with `ast` (a notebook's cells first go through IPython's input transformer, so
`%%time` and friends are read as the code they run) and gives:

* `forbidden(leaves, entry)`: the uses of names an exercise forbids (`nn.Linear`, `F.linear`, an
  alias `from torch.nn import Linear as L`, `getattr(F, "linear")`) in the code that the checked
  entry points can reach: their definitions, the module-level names they use, and every statement
  that changes them;
* `loops(entry)`: the Python loops, comprehensions, `map`-like calls and recursion in that code;
* `opaque`: constructs anywhere in the file that make any "how" check unverifiable: code built or
  run from strings (`exec`, `eval`, `compile`, `importlib`), torch below its Python API (`torch.ops`,
  `torch.jit`, `torch.compile`, `torch._C`), tracing, frames and interpreter internals (`sys.settrace`,
  `sys._getframe`, `gc`, `inspect`, `__dict__`, `__globals__`), getattr/setattr with a computed name
  (except on a method's own, unreassigned `self`), imports of the grader, other processes, raw file
  descriptors, monkeypatching an imported module, IPython's `run_cell`-like calls. Cells that do not
  parse are opaque too.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from grader import keys

MAX_SOURCE = 2_000_000  # characters read; a longer source is opaque
MAX_DEPTH = 3  # magics inside magics (%%time around %time ...)

# Modules whose import alone makes a how-check unverifiable (prefixes of the dotted name).
OPAQUE_MODULES = (
    "grader", "importlib", "imp", "zipimport", "pkgutil", "runpy", "code", "codeop", "pydoc", "builtins",
    "__builtin__", "ctypes", "cffi", "gc", "inspect", "pickle", "_pickle", "cPickle", "dill", "cloudpickle",
    "joblib", "shelve", "copyreg", "marshal", "subprocess", "multiprocessing", "concurrent.futures.process",
    "pty", "socket", "mmap", "fcntl", "pdb", "bdb", "timeit", "doctest", "unittest.mock", "mock",
    "torch.multiprocessing", "torch.utils.cpp_extension", "sitecustomize", "usercustomize",
)
OPAQUE_BUILTINS = frozenset({"exec", "eval", "compile", "__import__", "globals", "vars", "locals", "breakpoint",
                             "__builtins__", "__loader__", "__spec__"})
OPAQUE_ATTRS = frozenset({
    # interpreter internals
    "__dict__", "__globals__", "__builtins__", "__subclasses__", "__mro__", "__bases__", "__base__", "__code__",
    "__closure__", "__func__", "__self__", "__getattribute__", "__getattr__", "__setattr__", "__delattr__",
    "__reduce__", "__reduce_ex__", "__import__", "__loader__", "__spec__", "__traceback__", "__defaults__",
    "__kwdefaults__", "__wrapped__", "__init_subclass__", "__torch_function__", "__torch_dispatch__",
    # frames, tracebacks, generators
    "tb_frame", "tb_next", "f_back", "f_locals", "f_globals", "f_builtins", "f_code", "f_trace", "gi_frame",
    "cr_frame", "ag_frame", "gi_code", "cr_code",
    # IPython's ways to run strings as code
    "run_cell", "run_line_magic", "run_cell_magic", "ex", "ev", "user_ns", "user_global_ns", "run_code",
    "run_ast_nodes", "safe_execfile", "safe_run_module", "push", "system_raw", "system_piped",
})
OPAQUE_DEFS = frozenset({"__torch_function__", "__torch_dispatch__"})
TORCH_OPAQUE = frozenset({"ops", "jit", "compile", "overrides", "library", "package", "hub", "fx", "export",
                          "cpp_extension", "serialization", "multiprocessing", "classes"})
SYS_OK = frozenset({"argv", "version", "version_info", "platform", "path", "stdout", "stderr", "stdin", "exit",
                    "maxsize", "float_info", "int_info", "getsizeof", "setrecursionlimit", "getrecursionlimit",
                    "executable", "byteorder", "implementation", "getdefaultencoding", "hexversion"})
OS_OK = frozenset({"path", "environ", "getenv", "getcwd", "listdir", "makedirs", "mkdir", "remove", "unlink",
                   "rename", "replace", "rmdir", "removedirs", "sep", "linesep", "pathsep", "curdir", "pardir",
                   "extsep", "devnull", "name", "cpu_count", "walk", "scandir", "stat", "chdir", "getpid",
                   "urandom", "fspath", "PathLike", "sched_getaffinity"})
OTHER_OPAQUE = frozenset({"types.CodeType", "types.FunctionType", "types.LambdaType", "operator.attrgetter",
                          "operator.methodcaller", "numpy.ctypeslib", "concurrent.futures.ProcessPoolExecutor",
                          "pandas.read_pickle", "torch.load"})
SAFE_MAGICS = frozenset({"matplotlib", "config", "load_ext", "reload_ext", "autoreload", "aimport", "pip", "conda",
                         "precision", "env", "pwd", "ls", "who", "whos", "who_ls", "pinfo", "pinfo2", "psearch",
                         "pdoc", "pdef", "psource", "xmode", "time", "timeit", "capture", "html", "markdown",
                         "latex", "svg", "javascript", "js", "pylab", "history", "lsmagic", "magic", "reset",
                         "notebook", "colors"})
CODE_MAGICS = frozenset({"time", "timeit", "capture"})  # their line or cell argument is Python code that runs
LOOP_CALLS = frozenset({"map", "filter", "functools.reduce", "numpy.vectorize", "numpy.apply_along_axis",
                        "numpy.frompyfunc", "numpy.fromiter"})
LOOP_METHODS = frozenset({"apply_", "map_", "map2_"})
PROC_PATHS = ("/proc/", "/dev/fd")


@dataclass(frozen=True)
class Finding:
    """One construct in the source: what it is, and where (line within the file or the notebook cell).

    `construct` is the code itself (`torch.jit`, `import ctypes`), or a kind of construct ("a for loop") as a key
    (`grader.keys.call`, message ids `construct.*`) that a report says in the student's language.
    """

    construct: str
    line: int
    cell: int | None = None  # the notebook code cell, counted from 1; None for a .py file


@dataclass(frozen=True)
class _Unit:
    """One parsed piece of source: a .py file, a notebook cell, or the code argument of a magic."""

    tree: ast.Module
    cell: int | None
    offset: int = 0  # lines before this piece within its cell (the code of a %%time cell starts below it)


@dataclass
class Reading:
    """A submission's source, parsed once, with questions a how-check asks of it."""

    units: list[_Unit] = field(default_factory=list)
    unparsed: list[Finding] = field(default_factory=list)

    @cached_property
    def _facts(self) -> _Facts:
        return _Facts(self.units)

    @cached_property
    def opaque(self) -> tuple[Finding, ...]:
        """Constructs that make any how-check unverifiable, in source order; cells that do not parse first."""
        return tuple(self.unparsed) + tuple(_unique(self._facts.opaque))

    def forbidden(self, leaves: Iterable[str], entry: Iterable[str]) -> list[Finding]:
        """Uses of the names `leaves` (as a name imported from a module or as any attribute) in the
        code `entry` can reach."""
        wanted = frozenset(leaves)
        found: list[Finding] = []
        for unit, node in self._facts.reachable(entry):
            for sub in ast.walk(node):
                name = self._facts.forbidden_name(sub, wanted)
                if name is not None:
                    found.append(_finding(unit, sub, name))
        return _unique(found)

    def loops(self, entry: Iterable[str]) -> list[Finding]:
        """Python loops, comprehensions, map-like calls and recursion in the code `entry` can reach."""
        found: list[Finding] = []
        reachable = self._facts.reachable(entry)
        for unit, node in reachable:
            for sub in ast.walk(node):
                what = self._facts.loop(sub)
                if what is not None:
                    found.append(_finding(unit, sub, what))
        found += self._facts.recursion(reachable)
        return _unique(found)


def read(path: Path, notebook: bool) -> Reading:
    """Parse a submission: a .py file's text, or (`notebook`) a JSON list of code cells."""
    reading = Reading()
    try:
        raw = path.read_text(encoding="utf-8", errors="replace")
        cells: list[str] = json.loads(raw) if notebook else [raw]
        if not isinstance(cells, list) or not all(isinstance(c, str) for c in cells):
            raise ValueError("not a list of cells")
    except (OSError, ValueError, RecursionError):
        reading.unparsed.append(Finding(keys.call("construct.unreadable_source"), 1, 1 if notebook else None))
        return reading
    if sum(len(c) for c in cells) > MAX_SOURCE:
        reading.unparsed.append(Finding(keys.call("construct.source_too_long"), 1, 1 if notebook else None))
        return reading
    for number, text in enumerate(cells, start=1):
        _add(reading, text, number if notebook else None, 0, notebook, 0)
    return reading


def read_text(text: str) -> Reading:
    """A .py file's text, read (for tests and tools)."""
    reading = Reading()
    _add(reading, text, None, 0, False, 0)
    return reading


def where(finding: Finding) -> dict[str, int]:
    """The facts a message needs to say where a finding is."""
    return {"line": finding.line} if finding.cell is None else {"line": finding.line, "cell": finding.cell}


# -- parsing ----------------------------------------------------------------------------------

def _add(reading: Reading, text: str, cell: int | None, offset: int, notebook: bool, depth: int) -> None:
    if notebook:
        try:
            text = _transformer().transform_cell(text)
        except Exception:  # noqa: BLE001 - IPython's transformer gives up on some inputs
            reading.unparsed.append(Finding(keys.call("construct.unreadable_cell"), offset + 1, cell))
            return
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        line = getattr(exc, "lineno", None)
        reading.unparsed.append(Finding(keys.call("construct.invalid_python"), offset + (line or 1), cell))
        return
    reading.units.append(_Unit(tree, cell, offset))
    if notebook and depth < MAX_DEPTH:
        for node in ast.walk(tree):
            for code in _magic_code(node):
                _add(reading, code, cell, offset + getattr(node, "lineno", 1) - 1, True, depth + 1)


def _transformer() -> Any:  # IPython's TransformerManager, imported only for notebooks
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager()


def _magic(node: ast.AST) -> tuple[str, list[ast.expr]] | None:
    """`get_ipython().<method>(args)`: the method and its arguments."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        inner = node.func.value
        if (isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name) and inner.func.id == "get_ipython"
                and not inner.args and not inner.keywords and not node.keywords):
            return node.func.attr, list(node.args)
    return None


def _constants(args: list[ast.expr]) -> list[str] | None:
    if all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in args):
        return [a.value for a in args]  # type: ignore[attr-defined]
    return None


def _magic_code(node: ast.AST) -> list[str]:
    """The Python code a %time / %%time / %timeit / %%capture magic runs, if `node` is one."""
    magic = _magic(node)
    if magic is None:
        return []
    method, args = magic
    values = _constants(args)
    if values is None or not values or values[0] not in CODE_MAGICS:
        return []
    code = [_without_options(values[1])] if len(values) >= 2 else []
    return code + values[2:3] if method == "run_cell_magic" else code


def _without_options(line: str) -> str:
    """`-n 10 -r 3 f(x)` -> `f(x)`: the longest tail of the magic's line that is Python."""
    words = line.split(" ")
    for start in range(len(words)):
        tail = " ".join(words[start:])
        try:
            ast.parse(tail)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        return tail
    return line


# -- what the source says ---------------------------------------------------------------------

class _Facts:
    """Bindings, aliases and opaque constructs of all the units together (flow-insensitive)."""

    def __init__(self, units: list[_Unit]) -> None:
        self.units = units
        self.aliases: dict[str, set[str]] = {}  # local name -> dotted paths of what was imported
        self.star: set[str] = set()  # modules imported with *
        self.opaque: list[Finding] = []
        self._parents: dict[int, ast.AST] = {}
        self._safe: set[int] = set()  # nodes read as part of an allowed construct
        for unit in units:
            for node in ast.walk(unit.tree):
                for child in ast.iter_child_nodes(node):
                    self._parents[id(child)] = node
        self._collect_imports()
        self._collect_assigned_aliases()
        for unit in units:
            self._scan(unit)

    # imports and aliases

    def _collect_imports(self) -> None:
        for unit in self.units:
            for node in ast.walk(unit.tree):
                if isinstance(node, ast.Import):
                    for alias in node.names:
                        local = alias.asname or alias.name.split(".")[0]
                        self.aliases.setdefault(local, set()).add(alias.name if alias.asname else local)
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    for alias in node.names:
                        if alias.name == "*":
                            self.star.add(node.module)
                        else:
                            self.aliases.setdefault(alias.asname or alias.name, set()).add(
                                f"{node.module}.{alias.name}")

    def _collect_assigned_aliases(self) -> None:
        """`f = torch.nn.functional` makes `f` an alias too (a few rounds: aliases of aliases)."""
        for _ in range(3):
            grown = False
            for unit in self.units:
                for node in ast.walk(unit.tree):
                    targets: list[ast.expr] = []
                    if isinstance(node, ast.Assign):
                        targets, value = node.targets, node.value
                    elif isinstance(node, (ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
                        targets, value = [node.target], node.value
                    else:
                        continue
                    paths = {p for p, rooted in self.paths(value) if rooted}
                    for target in targets:
                        if isinstance(target, ast.Name) and paths - self.aliases.get(target.id, set()):
                            self.aliases.setdefault(target.id, set()).update(paths)
                            grown = True
            if not grown:
                return

    def paths(self, node: ast.AST) -> list[tuple[str, bool]]:
        """The dotted names an expression may stand for, each with whether it is rooted in an import."""
        if isinstance(node, ast.Name):
            out = [(p, True) for p in sorted(self.aliases.get(node.id, ()))]
            out += [(f"{m}.{node.id}", True) for m in sorted(self.star)]
            return out or [(node.id, False)]
        if isinstance(node, ast.Attribute):
            return [(f"{p}.{node.attr}", r) for p, r in self.paths(node.value)]
        if isinstance(node, ast.Call) and _is_name(node.func, "getattr") and 2 <= len(node.args) <= 3:
            name = node.args[1]
            if isinstance(name, ast.Constant) and isinstance(name.value, str):
                return [(f"{p}.{name.value}", r) for p, r in self.paths(node.args[0])]
        return []

    # opaque constructs

    def _scan(self, unit: _Unit) -> None:
        for node in ast.walk(unit.tree):
            what = self._opaque(node, unit)
            if what is not None:
                self.opaque.append(_finding(unit, node, what))
        self.opaque.sort(key=lambda f: (f.cell or 0, f.line))

    def _opaque(self, node: ast.AST, unit: _Unit) -> str | None:  # noqa: C901, PLR0911, PLR0912 - one rule a line
        if id(node) in self._safe:
            return None
        if isinstance(node, ast.Import):
            return next((f"import {a.name}" for a in node.names if _opaque_module(a.name)), None)
        if isinstance(node, ast.ImportFrom):
            if node.level:
                return keys.call("construct.relative_import")
            module = node.module or ""
            if _opaque_module(module) or any(_opaque_module(f"{module}.{a.name}") for a in node.names):
                return f"from {module} import ..."
            for alias in node.names:
                what = _opaque_dotted(f"{module}.{alias.name}") if alias.name != "*" else None
                if what is not None:
                    return what
            if module.split(".")[0] in ("sys", "os") and any(a.name == "*" for a in node.names):
                return f"from {module} import *"
            return None
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in OPAQUE_DEFS:
            return node.name
        if isinstance(node, ast.Call):
            return self._opaque_call(node, unit)
        if isinstance(node, ast.Name):
            if node.id in OPAQUE_BUILTINS:
                return f"{node.id}()" if isinstance(self._parents.get(id(node)), ast.Call) else node.id
            if node.id in ("getattr", "setattr", "delattr") and not self._called(node):
                return node.id  # passed around as a value: its names cannot be read
            if node.id == "get_ipython":
                return "get_ipython()"  # any use other than the magics `_opaque_call` allows
            return self._opaque_path(node)
        if isinstance(node, ast.Attribute):
            if node.attr in OPAQUE_ATTRS:
                return node.attr
            if isinstance(node.ctx, (ast.Store, ast.Del)) and node.attr.startswith("__"):
                return node.attr
            return self._opaque_path(node)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and any(
                p in node.value for p in PROC_PATHS):
            return keys.call("construct.proc_path")
        return None

    def _opaque_call(self, node: ast.Call, unit: _Unit) -> str | None:
        magic = _magic(node)
        if magic is not None:
            method, args = magic
            values = _constants(args)
            top_level = self._top_level(node)
            self._safe.update({id(node.func), id(node.func.value), id(node.func.value.func)})  # type: ignore[attr-defined]
            if values and ((method in ("run_line_magic", "run_cell_magic") and values[0] in SAFE_MAGICS)
                           or (method in ("system", "getoutput") and top_level)):
                return None
            return f"get_ipython().{method}" + (f"('{values[0]}')" if values and "magic" in method else "")
        if any(_is_name(node.func, n) for n in ("getattr", "setattr", "delattr")) and node.args:
            self._safe.add(id(node.func))
            if len(node.args) >= 2 and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str):
                if _is_name(node.func, "getattr"):
                    return None
                return self._changes_import(node.args[0], f"{node.func.id}()")  # type: ignore[attr-defined]
            if self._own_self(node):
                return None
            return keys.call("construct.computed_name", function=node.func.id)  # type: ignore[attr-defined]
        resolved = [p for p, rooted in self.paths(node.func) if rooted]
        if "torch.load" in resolved:
            self._safe.add(id(node.func))
            unsafe = any(k.arg is None or (k.arg == "weights_only" and not (
                isinstance(k.value, ast.Constant) and k.value.value is True)) for k in node.keywords)
            return "torch.load(weights_only=False)" if unsafe else None
        if "numpy.load" in resolved and any(k.arg in (None, "allow_pickle") for k in node.keywords):
            return "numpy.load(allow_pickle=True)"
        return None

    def _opaque_path(self, node: ast.Name | ast.Attribute) -> str | None:
        if isinstance(self._parents.get(id(node)), ast.Attribute):
            return None  # the longest chain is judged, once
        for path, rooted in self.paths(node):
            if not rooted:
                continue
            what = _opaque_dotted(path)
            if what is not None:
                return what
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, (ast.Store, ast.Del)):
                return keys.call("construct.change", path=path)  # monkeypatching an imported module
        return None

    def _changes_import(self, target: ast.expr, what: str) -> str | None:
        rooted = [p for p, r in self.paths(target) if r]
        return keys.call("construct.change_by", what=what, path=rooted[0]) if rooted else None

    def _called(self, node: ast.Name) -> bool:
        parent = self._parents.get(id(node))
        return isinstance(parent, ast.Call) and parent.func is node

    def _top_level(self, node: ast.AST) -> bool:
        parent = self._parents.get(id(node))
        while parent is not None:
            if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                return False
            parent = self._parents.get(id(parent))
        return True

    def _own_self(self, node: ast.Call) -> bool:
        """`getattr(self, name)`: `self` is the enclosing method's first parameter, never reassigned."""
        target = node.args[0]
        if not isinstance(target, ast.Name):
            return False
        function = self._parents.get(id(node))
        while function is not None and not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if isinstance(function, (ast.Lambda, ast.ClassDef)):
                return False
            function = self._parents.get(id(function))
        if function is None:
            return False
        params = function.args.posonlyargs + function.args.args
        if not params or params[0].arg != target.id or target.id != "self":
            return False
        return not any(isinstance(n, ast.Name) and n.id == target.id and not isinstance(n.ctx, ast.Load)
                       or isinstance(n, (ast.Global, ast.Nonlocal)) and target.id in n.names
                       for n in ast.walk(function))

    # reachability, forbidden names, loops

    def reachable(self, entry: Iterable[str]) -> list[tuple[_Unit, ast.AST]]:
        """The top-level statements that define, rebind or change the names `entry` reaches."""
        atoms = [(unit, stmt, _Atom(stmt)) for unit in self.units for stmt in unit.tree.body]
        names = set(entry)
        included: set[int] = set()
        grown = True
        while grown:
            grown = False
            for i, (_, _, atom) in enumerate(atoms):
                if i not in included and (atom.binds & names or atom.changes & names):
                    included.add(i)
                    names |= atom.refs
                    grown = True
        return [(unit, stmt) for i, (unit, stmt, _) in enumerate(atoms) if i in included]

    def forbidden_name(self, node: ast.AST, leaves: frozenset[str]) -> str | None:
        if isinstance(node, ast.Attribute) and node.attr in leaves:
            return _shown(node)
        if isinstance(node, ast.Name):
            for path, rooted in self.paths(node):
                if rooted and path.rsplit(".", 1)[-1] in leaves:
                    return node.id if node.id == path.rsplit(".", 1)[-1] else f"{node.id} ({path})"
        if isinstance(node, ast.Call) and _is_name(node.func, "getattr") and len(node.args) >= 2:
            name = node.args[1]
            if isinstance(name, ast.Constant) and name.value in leaves:
                return f"getattr(..., {name.value!r})"
        if isinstance(node, ast.alias) and node.name.rsplit(".", 1)[-1] in leaves:
            return node.name
        return None

    def loop(self, node: ast.AST) -> str | None:
        if isinstance(node, (ast.For, ast.AsyncFor)):
            return keys.call("construct.for_loop")
        if isinstance(node, ast.While):
            return keys.call("construct.while_loop")
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            return keys.call("construct.comprehension")
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Attribute) and node.func.attr in LOOP_METHODS:
                return f".{node.func.attr}()"
            for path, _ in self.paths(node.func):
                if path in LOOP_CALLS or path.split(".")[0] == "itertools":
                    return f"{_shown(node.func)}()"
        return None

    def recursion(self, reachable: list[tuple[_Unit, ast.AST]]) -> list[Finding]:
        """Functions among the reachable ones that call themselves, directly or through each other."""
        defs = {stmt.name: (unit, stmt) for unit, stmt in reachable
                if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef))}
        calls = {name: {n.func.id for n in ast.walk(stmt) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
                 & set(defs) for name, (_, stmt) in defs.items()}
        found = []
        for name, (unit, stmt) in defs.items():
            seen, todo = set(), list(calls[name])
            while todo:
                callee = todo.pop()
                if callee == name:
                    found.append(_finding(unit, stmt, keys.call("construct.recursion", name=name)))
                    break
                if callee not in seen:
                    seen.add(callee)
                    todo += calls.get(callee, ())
        return found


class _Atom:
    """What one top-level statement binds at module level, the global names it uses, and what it changes."""

    def __init__(self, stmt: ast.stmt) -> None:
        self.binds: set[str] = set()
        self.refs: set[str] = set()
        self.changes: set[str] = set()
        self._bindings(stmt)
        _Refs(self).visit(stmt)

    def _bindings(self, stmt: ast.stmt) -> None:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            self.binds.add(stmt.name)
            return
        for node in ast.walk(stmt):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.binds.add(node.name)  # defined inside an if/try/with at module level
            elif isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
                self.binds.add(node.id)
            elif isinstance(node, ast.alias):
                self.binds.add((node.asname or node.name).split(".")[0])
            elif isinstance(node, ast.Global):
                self.binds.update(node.names)


class _Refs(ast.NodeVisitor):
    """Collects an atom's free (global) names and the names it changes or lets escape."""

    def __init__(self, atom: _Atom) -> None:
        self.atom = atom
        self.scopes: list[set[str]] = []

    def _local(self, name: str) -> bool:
        return any(name in scope for scope in self.scopes)

    def _function(self, node: ast.AST, args: ast.arguments | None, body: list[ast.AST]) -> None:
        scope: set[str] = set()
        if args is not None:
            every = args.posonlyargs + args.args + args.kwonlyargs + [a for a in (args.vararg, args.kwarg) if a]
            scope |= {a.arg for a in every}
            for default in args.defaults + [d for d in args.kw_defaults if d is not None]:
                self.visit(default)
        declared: set[str] = set()
        for part in body:
            for sub in ast.walk(part):
                if isinstance(sub, ast.Name) and not isinstance(sub.ctx, ast.Load):
                    scope.add(sub.id)
                elif isinstance(sub, (ast.Global, ast.Nonlocal)):
                    declared.update(sub.names)
                elif isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    scope.add(sub.name)
                elif isinstance(sub, ast.alias):
                    scope.add((sub.asname or sub.name).split(".")[0])
        self.atom.binds |= declared  # `global x` inside: the function rebinds x
        self.scopes.append(scope - declared)
        for part in body:
            self.visit(part)
        self.scopes.pop()

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        for decorator in node.decorator_list:
            self.visit(decorator)
        if node.returns is not None:
            self.visit(node.returns)
        self._function(node, node.args, list(node.body))

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._function(node, node.args, [node.body])

    def visit_Name(self, node: ast.Name) -> None:
        if self._local(node.id):
            return
        self.atom.refs.add(node.id)
        if isinstance(node.ctx, ast.Load) and self._escapes(node):
            self.atom.changes.add(node.id)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if not isinstance(node.ctx, ast.Load):
            root = _root(node)
            if root is not None and not self._local(root):
                self.atom.changes.add(root)
        self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if not isinstance(node.ctx, ast.Load):
            root = _root(node)
            if root is not None and not self._local(root):
                self.atom.changes.add(root)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        if (isinstance(node.func, ast.Name) and node.func.id in ("setattr", "delattr") and node.args
                and isinstance(node.args[0], ast.Name) and not self._local(node.args[0].id)):
            self.atom.changes.add(node.args[0].id)
        self.generic_visit(node)

    def _escapes(self, node: ast.Name) -> bool:
        """Whether a global name is handed on (an argument, a value, an element), not just called or read from."""
        return not getattr(node, "_called_or_read", False)

    def generic_visit(self, node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Name) and (
                    (isinstance(node, ast.Call) and node.func is child)
                    or (isinstance(node, (ast.Attribute, ast.Subscript)) and node.value is child)):
                child._called_or_read = True  # type: ignore[attr-defined]
        super().generic_visit(node)


# -- helpers ----------------------------------------------------------------------------------

def _opaque_module(name: str) -> bool:
    return any(name == m or name.startswith(m + ".") for m in OPAQUE_MODULES) or _missing_module(name)


@functools.lru_cache(maxsize=256)
def _missing_module(name: str) -> bool:
    """A module the grader cannot find (the student wrote it at run time): its code cannot be read."""
    root = name.split(".")[0]
    if not root or root in sys.stdlib_module_names or root in sys.builtin_module_names:
        return False
    try:
        return importlib.util.find_spec(root) is None
    except (ImportError, ValueError):
        return True


def _opaque_dotted(path: str) -> str | None:
    """Why an imported dotted name is opaque, or None."""
    parts = path.split(".")
    head = parts[0]
    if _opaque_module(path) and not _missing_module(path):
        return path
    if path in OTHER_OPAQUE and head != "torch":
        return path
    if head == "sys" and len(parts) > 1 and parts[1] not in SYS_OK:
        return ".".join(parts[:2])
    if head == "os" and len(parts) > 1 and parts[1] not in OS_OK:
        return ".".join(parts[:2])
    if head == "torch":
        for i, part in enumerate(parts[1:], start=1):
            if part in TORCH_OPAQUE and path != "torch.load" or (part.startswith("_") and not part.startswith("__")):
                return ".".join(parts[:i + 1])
    if head in ("numpy", "pandas") and (parts[-1] in ("ctypeslib", "read_pickle")):
        return path
    return None


def _root(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _is_name(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def _shown(node: ast.AST) -> str:
    try:
        text = ast.unparse(node)
    except Exception:  # noqa: BLE001
        text = type(node).__name__
    return text if len(text) <= 60 else text[:57] + "..."


def _finding(unit: _Unit, node: ast.AST, what: str) -> Finding:
    return Finding(what, unit.offset + int(getattr(node, "lineno", 1) or 1), unit.cell)


def _unique(findings: list[Finding]) -> list[Finding]:
    seen: set[Finding] = set()
    out = []
    for f in sorted(findings, key=lambda f: (f.cell or 0, f.line)):
        if f not in seen:
            seen.add(f)
            out.append(f)
    return out
