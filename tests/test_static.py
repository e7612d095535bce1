"""grader/static.py: what the grader reads in a submission's source, in its own process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import checks_of
from grader import bank, keys, static

broadcast_distances, my_linear = checks_of("broadcast_distances"), checks_of("my_linear")

ROOT = Path(__file__).resolve().parent.parent
LINEAR = my_linear.FORBIDDEN_NAMES
ENTRY = ("MyLinear",)

CLASS = '''
class MyLinear(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(o, i))
        self.bias = nn.Parameter(torch.zeros(o))

    def forward(self, x):
        return {body}
'''


def _constructs(findings: list[static.Finding] | tuple[static.Finding, ...]) -> list[str]:
    """The constructs as an English report says them (a kind of construct is a key, said in the report's language)."""
    return [keys.said(f.construct, "en") for f in findings]


def _forbidden(head: str, body: str, tail: str = "") -> list[str]:
    source = "import torch\nfrom torch import nn\n" + head + CLASS.format(body=body) + tail
    return _constructs(static.read_text(source).forbidden(LINEAR, ENTRY))


@pytest.mark.parametrize(("head", "body", "expected"), [
    ("import torch.nn.functional as F\n", "F.linear(x, self.weight, self.bias)", ["F.linear"]),
    ("", "torch.nn.functional.linear(x, self.weight, self.bias)", ["torch.nn.functional.linear"]),
    ("from torch.nn import Linear as L\n", "L(4, 5)(x)", ["Linear", "L (torch.nn.Linear)"]),
    ("from torch.nn.functional import *\n", "linear(x, self.weight)", ["linear"]),
    ("import torch.nn.functional as F\n", "getattr(F, 'linear')(x, self.weight)", ["getattr(..., 'linear')"]),
    ("import torch.nn.functional as F\nf = F\n", "helper(x)", ["f.linear"]),
    ("", "x @ self.weight.T + self.bias", []),
])
def test_forbidden_names_in_every_spelling(head, body, expected):
    tail = "\ndef helper(x):\n    return f.linear(x, x)\n" if "helper" in body else ""
    assert _forbidden(head, body, tail) == expected


def test_code_the_class_does_not_reach_is_not_read_for_forbidden_names():
    tail = "\nref = nn.Linear(4, 5)\nmine = MyLinear(4, 5)\nprint(torch.allclose(mine(x), ref(x)))\n"
    assert _forbidden("", "x @ self.weight.T + self.bias", tail) == []


def test_a_statement_that_changes_the_class_is_read():
    tail = "\nimport torch.nn.functional as F\nMyLinear.forward = lambda self, x: F.linear(x, self.weight)\n"
    assert _forbidden("", "x @ self.weight.T", tail) == ["F.linear"]
    tail = "\ndef patch(cls):\n    cls.forward = lambda self, x: torch.nn.functional.linear(x, self.weight)\npatch(MyLinear)\n"
    assert _forbidden("", "x @ self.weight.T", tail) == ["torch.nn.functional.linear"]


@pytest.mark.parametrize(("source", "construct"), [
    ("import torch\ntorch.ops.aten.linear", "torch.ops"),
    ("import torch\nf = torch.jit.script(g)", "torch.jit"),
    ("import torch\nwith torch._C.DisableTorchFunction(): pass", "torch._C"),
    ("from torch import _C", "torch._C"),
    ("import torch\ntorch.compile(f)", "torch.compile"),
    ("import sys\nsys.settrace(None)", "sys.settrace"),
    ("from sys import settrace as s\ns(None)", "sys.settrace"),
    ("import sys\nsys._getframe()", "sys._getframe"),
    ("import sys\nsys.modules['grader.probes']", "sys.modules"),
    ("exec('x = 1')", "exec()"),
    ("eval('1')", "eval()"),
    ("f = compile('1', '<other>', 'eval')", "compile()"),
    ("__import__('torch')", "__import__()"),
    ("import importlib", "import importlib"),
    ("import grader.probes", "import grader.probes"),
    ("from grader import probes", "from grader import ..."),
    ("import gc", "import gc"),
    ("import inspect", "import inspect"),
    ("import ctypes", "import ctypes"),
    ("globals()['x'] = 1", "globals()"),
    ("vars(obj)", "vars()"),
    ("obj.__dict__", "__dict__"),
    ("f.__globals__", "__globals__"),
    ("__builtins__", "__builtins__"),
    ("getattr(obj, 'li' + 'near')", "getattr() with a computed name"),
    ("setattr(obj, name, 1)", "setattr() with a computed name"),
    ("names = map(getattr, objs, names)", "getattr"),
    ("try:\n    1 / 0\nexcept Exception as e:\n    e.__traceback__.tb_frame.f_back", "__traceback__"),
    ("import torch\ntorch.Tensor.__matmul__ = f", "__matmul__"),
    ("import torch\ntorch.nn.functional.linear = f", "a change to torch.nn.functional.linear"),
    ("import os\nos.write(5, b'x')", "os.write"),
    ("import subprocess", "import subprocess"),
    ("open('/proc/self/fd/5', 'wb')", "a path into /proc"),
    ("import torch\ntorch.load(f, weights_only=False)", "torch.load(weights_only=False)"),
    ("from . import helper", "a relative import"),
    ("import a_module_nobody_installed_xyz", "import a_module_nobody_installed_xyz"),
    ("class T:\n    def __torch_function__(self, *a): pass", "__torch_function__"),
])
def test_opaque_constructs_are_found(source, construct):
    assert construct in _constructs(static.read_text(source).opaque)


@pytest.mark.parametrize("source", [
    "import torch\nimport torch.nn.functional as F\ny = F.relu(torch.randn(3))",
    "class A:\n    def f(self, name):\n        return getattr(self, name)",
    "class A:\n    def f(self, name, v):\n        setattr(self, f'conv{name}', v)",
    "x = getattr(obj, 'weight', None)\nhasattr(obj, name)",
    "import sys\nprint(sys.version, sys.argv)",
    "import os\np = os.path.join(os.getcwd(), 'x')",
    "import torch\nsd = torch.load('w.pt')",
    "super().__init__()\nprint(type(x).__name__)",
    "import numpy as np\nimport math\nimport matplotlib.pyplot as plt",
])
def test_ordinary_code_is_not_opaque(source):
    assert static.read_text(source).opaque == ()


def test_getattr_on_a_reassigned_self_is_opaque():
    source = "class A:\n    def f(self, a, b):\n        self = getattr(self, a)\n        return getattr(self, b)"
    assert "getattr() with a computed name" in _constructs(static.read_text(source).opaque)


def _notebook(tmp_path: Path, cells: list[str]) -> static.Reading:
    path = tmp_path / "cells.json"
    path.write_text(json.dumps(cells), encoding="utf-8")
    return static.read(path, notebook=True)


def test_notebook_magics_are_read_as_the_code_they_run(tmp_path):
    reading = _notebook(tmp_path, [
        "!pip install -q torch\n%matplotlib inline\nimport torch\nfrom torch import nn",
        "%%time\nimport torch.nn.functional as F\n" + CLASS.format(body="F.linear(x, self.weight)"),
        "%timeit -n 3 exec('1')",
    ])
    assert [(f.construct, f.cell) for f in reading.forbidden(LINEAR, ENTRY)] == [("F.linear", 2)]
    assert [(f.construct, f.cell) for f in reading.opaque] == [("exec()", 3)]


def test_notebook_ipython_calls_that_run_strings_are_opaque(tmp_path):
    reading = _notebook(tmp_path, ["get_ipython().run_cell('x = 1')", "%run helper.py", "ip = get_ipython()"])
    assert [(f.construct, f.cell) for f in reading.opaque] == [
        ("get_ipython().run_cell", 1), ("get_ipython().run_line_magic('run')", 2), ("get_ipython()", 3)]


def test_a_cell_that_does_not_parse_is_opaque(tmp_path):
    reading = _notebook(tmp_path, ["x = 1", "def f(:\n    pass"])
    assert [(keys.said(f.construct), f.cell) for f in reading.opaque] == [("code that is not valid Python", 2)]


def test_loops_in_the_code_the_entry_reaches():
    source = (
        "import torch\n"
        "def rows(x, y):\n    return torch.stack([((r - y) ** 2).sum(-1) for r in x])\n"
        "def pairwise_distances(x, y):\n    return rows(x, y).sqrt()\n"
        "def unrelated():\n    for i in range(3):\n        pass\n"
        "def fact(n):\n    return 1 if n < 2 else n * fact(n - 1)\n"
    )
    reading = static.read_text(source)
    assert [(keys.said(f.construct), f.line) for f in reading.loops(broadcast_distances.ENTRY)] == [
        ("a comprehension", 3)]
    assert _constructs(reading.loops(("fact",))) == ["recursion in fact()"]
    assert _constructs(static.read_text("def f(x):\n    return list(map(g, x))").loops(("f",))) == ["map()"]


def _bank_files() -> list[Path]:
    files = sorted((ROOT / "reference_solutions").glob("*.py")) + sorted((ROOT / "exercises").glob("*/alternates/*.py"))
    return [f for f in files if f.stem != "__init__"]


@pytest.mark.parametrize("path", _bank_files(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_references_and_alternates_are_readable_and_not_opaque(path):
    exercise = path.parent.parent.name if path.parent.name == "alternates" else path.stem
    reading = static.read(path, notebook=False)
    if any(check.sees for check in bank.get(exercise).checks):  # only a how-check reads the source
        assert reading.opaque == ()
    if exercise == "my_linear":
        assert reading.forbidden(LINEAR, ENTRY) == []
    if exercise == "broadcast_distances":
        assert reading.forbidden(broadcast_distances.FORBIDDEN_NAMES, broadcast_distances.ENTRY) == []


# -- a construct is said in the report's language ----------------------------------------------

def _how_message(finding: static.Finding, lang: str) -> str:
    from grader.report import message_lines
    from grader.results import Feedback

    summary = ("static.opaque", {"construct": finding.construct, **static.where(finding)})
    return "\n".join(line for _, line in message_lines(Feedback(summary=summary), lang))


@pytest.mark.parametrize(("source", "construct"), [
    ("def f(x):\n    for i in x:\n        pass", "a for loop"),
    ("def f(x):\n    while x:\n        x -= 1", "a while loop"),
    ("def f(x):\n    return [i for i in x]", "a comprehension"),
    ("def f(n):\n    return f(n - 1)", "recursion in f()"),
    ("from . import helper", "a relative import"),
    ("open('/proc/self/fd/5', 'wb')", "a path into /proc"),
    ("setattr(obj, name, 1)", "setattr() with a computed name"),
    ("import torch\ntorch.nn.functional.linear = f", "a change to torch.nn.functional.linear"),
    ("import torch\nsetattr(torch.nn, 'Linear', f)", "setattr() on torch.nn"),
    ("def f(:\n    pass", "code that is not valid Python"),
])
def test_a_how_check_says_the_construct_in_the_reports_language(source, construct):
    from test_japanese import english

    reading = static.read_text(source)
    finding = next(f for f in [*reading.opaque, *reading.loops(("f",))] if keys.said(f.construct) == construct)
    en, ja = _how_message(finding, "en"), _how_message(finding, "ja")
    assert f"line {finding.line} uses {construct}, which the grader cannot check" in en
    assert construct not in ja and keys.said(finding.construct, "ja") in ja
    assert english(ja) == [], ja


@pytest.mark.parametrize("notebook", [False, True], ids=["file", "notebook"])
def test_a_source_the_grader_cannot_read_is_said_in_the_reports_language(tmp_path, notebook):
    from test_japanese import english

    (finding,) = static.read(tmp_path / "missing.py", notebook=notebook).opaque
    assert keys.said(finding.construct, "en") == "source the grader cannot read"
    ja = keys.said(finding.construct, "ja")
    assert ja == "採点器が読めないソース" and english(_how_message(finding, "ja")) == []
