"""A synthetic class for `grader grade --assignment nma_w1d2`: notebooks whose verdicts are known in advance.

`make_class(folder, n)` writes one submission per student, built from the repository's own files:
references and alternates (correct), mutants (each loses points in its exercise), stubs (0,
"not implemented"), hostile files (tests/hostile) pasted in as a cell or as an exercise's cell, and
broken submissions (a cut-off notebook, a file that is not one, an empty folder, two files for one
id). Every notebook carries what real ones do: imports, markdown, `%matplotlib inline`, a plot,
prints, cells that raise, exploration. It returns what a correct grader must say about each student.
"""

from __future__ import annotations

import ast
import itertools
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = "nma_w1d2"
EXERCISES = ("sq_loss", "simple_graph", "train_loop")
HOSTILE = ROOT / "tests" / "hostile"
Deck = dict[str, Iterator[Path]]  # each exercise's mutants, shuffled, dealt in turn


class Verdict(StrEnum):
    FULL = "full"  # score == max_score
    ZERO = "zero"  # score == 0
    LOSES = "loses"  # score < max_score (zero included)

    def holds(self, score: float, max_score: float) -> bool:
        """Whether an exercise's score matches this verdict."""
        if self is Verdict.FULL:
            return max_score > 0 and score == max_score
        if self is Verdict.ZERO:
            return score == 0
        return score < max_score


@dataclass(frozen=True)
class Expected:
    """What the grader must report for one student."""

    status: str  # "graded" or "error"
    exercises: dict[str, Verdict]  # every exercise of the assignment
    what: str  # how the submission was built, for failure messages
    not_implemented: frozenset[str] = frozenset()  # exercises whose first check must say "not_implemented"
    message: str = ""  # status "error": words the student's message must contain
    hostile: bool = False
    cells: dict[int, str] = field(default_factory=dict)  # code cell number -> exception name, "timeout" or "died"


# -- the code students paste ---------------------------------------------------------------------

def _code(path: Path) -> str:
    """A solution file as a student's cell: without its module docstring."""
    text = path.read_text(encoding="utf-8")
    first = ast.parse(text).body[:1]
    if first and isinstance(first[0], ast.Expr) and isinstance(first[0].value, ast.Constant) \
            and isinstance(first[0].value.value, str):
        text = "".join(text.splitlines(keepends=True)[first[0].end_lineno or 0:])
    return text.strip("\n") + "\n"


def reference(exercise: str) -> Path:
    return ROOT / "reference_solutions" / f"{exercise}.py"


def stub(exercise: str) -> Path:
    return ROOT / "exercises" / f"{exercise}.py"


def alternates(exercise: str) -> list[Path]:
    return sorted((ROOT / "exercises" / exercise / "alternates").glob("*.py"))


def mutants(exercise: str) -> list[Path]:
    return sorted((ROOT / "exercises" / exercise / "mutants").glob("*.py"))


# -- notebooks -------------------------------------------------------------------------------------

SETUP = """\
# Imports
import numpy as np
import matplotlib.pyplot as plt
import torch
from torch import nn
%matplotlib inline
torch.manual_seed(2021)
print(torch.__version__)
"""

SQ_TRY = """\
# Uncomment below to test your function
print(sq_loss(torch.tensor([7]), torch.tensor([0.])))
"""

GRAPH_TRY = """\
feature = torch.tensor([1])  # Input tensor
target = torch.tensor([7])  # Target tensor
simple_graph = SimpleGraph(-0.5, 0.5)
print(f"initial weight = {{simple_graph.w.item()}}, initial bias = {{simple_graph.b.item()}}")
prediction = simple_graph.forward(feature)
square_loss = {loss}
square_loss.backward()
print(f"w.grad = {{simple_graph.w.grad}}, b.grad = {{simple_graph.b.grad}}")
"""

PLOT = """\
xs = torch.linspace(-3, 3, 61)
fig, ax = plt.subplots(figsize=(4, 3))
ax.plot(xs, torch.tanh(xs), label="tanh")
ax.plot(xs, torch.sigmoid(xs), label="sigmoid")
ax.legend()
plt.show()
"""

DATA = """\
# Data and the network for the training loop
n_samples = 32
inputs = torch.linspace(-1.0, 1.0, n_samples).reshape(n_samples, 1)
noise = torch.randn(n_samples, 1) / 4
targets = torch.sin(np.pi * inputs) + noise
wide_net = nn.Sequential(nn.Linear(1, 64), nn.ReLU(), nn.Linear(64, 1))
loss_function = nn.MSELoss()
sgd_optimizer = torch.optim.SGD(wide_net.parameters(), lr=0.003, momentum=0.9)
epochs = {epochs}
"""

TRAIN_TRY = """\
losses = train(inputs, targets, wide_net, loss_function, sgd_optimizer, epochs)
plt.figure(figsize=(4, 3))
plt.plot(losses)
plt.xlabel("epoch"); plt.ylabel("loss")
plt.show()
print(f"final loss {losses[-1]:.3f}")
"""

EXPLORE = (
    "x = torch.randn(3, requires_grad=True)\ny = (x ** 2).sum()\ny.backward()\nx.grad",
    "a = torch.arange(6).reshape(2, 3)\nprint(a.shape, a.dtype)\na.T",
    "for lr in [0.1, 0.01]:\n    print('learning rate', lr)",
    "%time z = torch.rand(100, 100) @ torch.rand(100, 100)",
    "help(torch.tanh)",
    "import time\nstart = time.time()\nsum(i * i for i in range(10000))",
)

RAISING = (  # cells that fail in a real student's notebook, and how; the later definitions must still count
    ("from google.colab import drive\ndrive.mount('/content/drive')", "ModuleNotFoundError"),
    ("import nma_helpers  # the course's helper package, not installed here", "ModuleNotFoundError"),
    ("print(undefined_variable)", "NameError"),
    ("1 / 0", "ZeroDivisionError"),
    ("!pip install torch --quiet\ntorch.tensor([1, 2]) @ torch.tensor([1.0, 2.0])", "RuntimeError"),
)

LOOPS = (  # exploration cells that never finish: the cell times out, the notebook goes on
    "# waiting for the loss to converge\nwhile True:\n    pass",
    "import itertools\nfor step in itertools.count():\n    step += 1",
    "import os\nwhile True:  # prints without end\n    os.write(1, b'spam ' * 10000)",
)


@dataclass
class _Student:
    """One notebook being assembled: what goes in each exercise's cell, and extra cells."""

    code: dict[str, str]
    verdicts: dict[str, Verdict]
    what: list[str]
    not_implemented: set[str] = field(default_factory=set)
    before: dict[str, list[str]] = field(default_factory=dict)  # exercise -> extra cells just before its cell
    first: list[str] = field(default_factory=list)  # extra cells after the setup cell
    untried: set[str] = field(default_factory=set)  # exercises whose function the notebook never calls
    failing: dict[str, str] = field(default_factory=dict)  # an extra cell's source -> its exception, or "timeout"
    cells: dict[int, str] = field(default_factory=dict)  # filled by _notebook: code cell number -> failure
    hostile: bool = False


def _notebook(student: _Student, rng: random.Random, title: str) -> nbformat.NotebookNode:
    cells = [new_markdown_cell(f"# Tutorial 1: Gradient Descent and AutoGrad\n\n**{title}**"),
             new_code_cell(SETUP if rng.random() < 0.7 else "!pip install matplotlib --quiet\n" + SETUP)]
    for extra in student.first:
        cells.append(new_code_cell(extra))
        if extra in student.failing:
            student.cells[sum(c.cell_type == "code" for c in cells)] = student.failing[extra]
    untried = student.untried
    loss = "(target - prediction) ** 2" if "sq_loss" in untried else "sq_loss(target, prediction)"
    sections = {
        "sq_loss": ("## Coding Exercise 2.1: Squared loss", [] if "sq_loss" in untried else [SQ_TRY]),
        "simple_graph": ("## Coding Exercise 2.1: Simple computational graph",
                         ([] if "simple_graph" in untried else [GRAPH_TRY.format(loss=loss)]) + [PLOT]),
        "train_loop": ("## Coding Exercise 3.1: Training loop", [] if "train_loop" in untried else [TRAIN_TRY]),
    }
    for exercise in EXERCISES:
        heading, after = sections[exercise]
        cells.append(new_markdown_cell(heading + "\n\nFill in the function below."))
        if exercise == "train_loop":
            cells.append(new_code_cell(DATA.format(epochs=rng.choice((40, 60, 80)))))
        for extra in student.before.get(exercise, []):
            cells.append(new_code_cell(extra))
            if extra in student.failing:
                student.cells[sum(c.cell_type == "code" for c in cells)] = student.failing[extra]
        cells.append(new_code_cell(student.code[exercise]))
        cells += [new_code_cell(c) for c in after]
        if rng.random() < 0.5:
            cells.append(new_code_cell(rng.choice(EXPLORE)))
    cells.append(new_markdown_cell("## Summary\n\nWe trained a network with our own loop."))
    for number, cell in enumerate(cells):  # nbformat gives cells random ids: make them the seed's
        cell.id = f"{rng.getrandbits(32):08x}-{number}"
    notebook: nbformat.NotebookNode = new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return notebook


def _correct(rng: random.Random, exercise: str) -> str:
    """The reference, or (more often) one of the correct alternates."""
    options = [reference(exercise), *alternates(exercise)]
    return _code(rng.choice(options))


def _base(rng: random.Random) -> _Student:
    return _Student(code={e: _correct(rng, e) for e in EXERCISES},
                    verdicts={e: Verdict.FULL for e in EXERCISES}, what=[])


# -- the kinds of student ------------------------------------------------------------------------------

def _kind_correct(rng: random.Random, index: int, deck: Deck) -> _Student:
    student = _base(rng)
    student.what.append("correct (references and alternates)")
    return student


def _kind_buggy(rng: random.Random, index: int, deck: Deck) -> _Student:
    student = _base(rng)
    chosen = ["train_loop" if index < 2 else EXERCISES[index % len(EXERCISES)]]  # see CYCLE
    if rng.random() < 0.25:
        chosen.append(rng.choice([e for e in EXERCISES if e not in chosen]))
    for exercise in chosen:
        mutant = next(deck[exercise])
        student.code[exercise] = _code(mutant)
        student.verdicts[exercise] = Verdict.LOSES
        student.what.append(f"mutant {exercise}/{mutant.name}")
    return student


def _kind_half_done(rng: random.Random, index: int, deck: Deck) -> _Student:
    student = _base(rng)
    for exercise in [EXERCISES[(index + k) % len(EXERCISES)] for k in range(1 + index % 2)]:
        student.code[exercise] = _code(stub(exercise))
        student.verdicts[exercise] = Verdict.ZERO
        student.not_implemented.add(exercise)
        student.what.append(f"stub {exercise}")
    return student


def _kind_raises(rng: random.Random, index: int, deck: Deck) -> _Student:
    student = _base(rng)
    later = rng.choice(EXERCISES[1:])
    cell, exception = RAISING[index % len(RAISING)]
    student.before.setdefault(later, []).append(cell)
    student.failing[cell] = exception
    student.what.append(f"a cell raising before {later}: {cell.splitlines()[0]}")
    return student


def _kind_loops(rng: random.Random, index: int, deck: Deck) -> _Student:
    student = _base(rng)
    cell = LOOPS[index % len(LOOPS)]
    student.before.setdefault(rng.choice(EXERCISES), []).append(cell)
    student.failing[cell] = "timeout"
    student.what.append(f"an exploration cell that never ends: {cell.splitlines()[0]}")
    return student


@dataclass(frozen=True)
class _Hostile:
    """A tests/hostile file put into a notebook, and what the grader must make of it."""

    file: str
    exercise: str | None  # it is that exercise's cell; None: an extra cell beside correct definitions
    verdict: Verdict  # for `exercise` (the others are correct: FULL)
    tried: bool = False  # the notebook calls the function itself (at load), not only the grader's checks
    others: dict[str, str] = field(default_factory=dict)  # other exercises replaced: exercise -> mutant file
    dies: bool = False  # as an extra cell, it ends the worker while the notebook loads


HOSTILES = (
    _Hostile("fork_bomb.py", "sq_loss", Verdict.ZERO),  # every check's call forks without end: timeouts
    _Hostile("memory_torch_ones.py", "sq_loss", Verdict.ZERO, tried=True),  # 32 GB, written: MemoryError
    _Hostile("fake_report.py", "sq_loss", Verdict.LOSES, tried=True),  # prints a full-marks report; wrong values
    _Hostile("flood_print.py", "sq_loss", Verdict.FULL, tried=True),  # megabytes of output, then the right answer
    _Hostile("segfault.py", "sq_loss", Verdict.ZERO),  # the worker dies of SIGSEGV in each check's call
    _Hostile("garbled_messages.py", "sq_loss", Verdict.ZERO),  # junk into every pipe, then loops
    _Hostile("background_processes.py", "sq_loss", Verdict.FULL, tried=True),  # leaves sleepers; right answer
    # A lying Tensor subclass; it also sets torch.tanh = identity in the student's kernel, which the
    # probe's own nn.Tanh model then uses: train_loop is a mutant here, so no verdict hinges on that.
    _Hostile("simple_graph_liar.py", "simple_graph", Verdict.LOSES, tried=True,
             others={"train_loop": "swapped_loss_args.py"}),
    _Hostile("raise_systemexit_at_import.py", None, Verdict.FULL),  # `raise SystemExit(0)` in a cell
    _Hostile("keyboard_interrupt.py", "sq_loss", Verdict.ZERO),  # KeyboardInterrupt from the function
    _Hostile("monkeypatch_torch.py", "sq_loss", Verdict.LOSES, tried=True,  # patched comparisons, patched `-`:
             others={"simple_graph": "tanh_before_bias.py", "train_loop": "no_zero_grad.py"}),  # no mutant passes
    # A cell that ends the worker while the notebook loads is recorded and skipped; the rest still counts.
    _Hostile("segfault.py", "sq_loss", Verdict.ZERO, tried=True),  # SIGSEGV in the test cell, then in each check
    _Hostile("exit_at_import.py", None, Verdict.FULL, dies=True),  # os._exit(3) in a cell
    _Hostile("forge_messages_at_import.py", None, Verdict.FULL),  # forged answers (no valid token) at load: ignored
)


def _kind_hostile(rng: random.Random, index: int, deck: Deck) -> _Student:
    hostile = HOSTILES[index % len(HOSTILES)]
    student = _base(rng)
    student.hostile = True
    text = (HOSTILE / hostile.file).read_text(encoding="utf-8")
    if hostile.exercise is None:
        student.first.append(text)
        if hostile.dies:
            student.failing[text] = "died"
        student.what.append(f"hostile cell {hostile.file} beside correct definitions")
    else:
        student.code[hostile.exercise] = text
        student.verdicts[hostile.exercise] = hostile.verdict
        if not hostile.tried:
            student.untried.add(hostile.exercise)
        called = "called by the notebook too" if hostile.tried else "called only by the checks"
        student.what.append(f"hostile {hostile.file} as the {hostile.exercise} cell ({called})")
    for exercise, mutant in hostile.others.items():
        student.code[exercise] = _code(ROOT / "exercises" / exercise / "mutants" / mutant)
        student.verdicts[exercise] = Verdict.LOSES
        student.what.append(f"mutant {exercise}/{mutant}")
    return student


# -- the class -------------------------------------------------------------------------------------------

# The gradable, non-hostile kinds, in the order they repeat; a `clean` class has only these. The first
# two (the first students graded) have a train_loop mutant: the grader computes a check's reference the
# first time it needs it, inside that student's time limit, and train_loop's first one takes ~1 s (2 s
# under load: all of the limit with GRADER_TIMEOUT_SCALE=0.2); a timeout cannot change their verdict.
CYCLE = ("buggy", "buggy", "correct", "half_done", "correct", "raises", "correct", "buggy")
KINDS = {"correct": _kind_correct, "buggy": _kind_buggy, "half_done": _kind_half_done, "raises": _kind_raises,
         "loops": _kind_loops, "hostile": _kind_hostile}
BROKEN = ("truncated", "not_a_notebook", "empty_folder", "duplicate")
SPECIAL = ("loops",) * len(LOOPS) + ("hostile",) * len(HOSTILES)


def _roster(n: int, clean: bool) -> list[str]:
    """Which kind each student is: the special ones spread through the class, gradable ones around them."""
    special = [] if clean else list(BROKEN) + list(SPECIAL)
    if len(special) > n:
        raise ValueError(f"a class with every kind of submission needs n >= {len(special)} (got {n})")
    regular = [CYCLE[i % len(CYCLE)] for i in range(n - len(special))]
    roster: list[str] = []
    slots = {round(i * n / len(special)) for i in range(len(special))} if special else set()
    specials = iter(special)
    regulars = iter(regular)
    for i in range(n):
        roster.append(next(specials) if i in slots else next(regulars))
    return roster


def misses(expected: dict[str, Expected], out: Path) -> list[str]:
    """Where `grader grade ... --out OUT` did not say what the class was built to get: a student's
    status, an exercise's verdict, a failed cell's outcome."""
    found = []
    for student, expect in expected.items():
        report = json.loads((out / "students" / f"{student}.json").read_text(encoding="utf-8"))
        if report["status"] != expect.status:
            found.append(f"{student} ({expect.what}): {report['status']}: {report['message']}")
        for exercise in report["exercises"]:
            if not expect.exercises[exercise["exercise"]].holds(exercise["score"], exercise["max_score"]):
                found.append(f"{student} ({expect.what}): {exercise['exercise']} {exercise['score']:g}")
            cells = {c["cell"]: c["exception"] if c["status"] == "error" else c["status"] for c in exercise["cells"]}
            found += [f"{student} cell {n}: {cells.get(n)}, not {o}" for n, o in expect.cells.items() if cells.get(n) != o]
    return found


def make_class(folder: Path, n: int = 50, *, seed: int = 0, clean: bool = False) -> dict[str, Expected]:
    """Write `n` submissions into `folder`; return each student's expected verdicts.

    With `clean`, only notebooks that can be graded and are not hostile (no broken files, endless
    loops or hostile cells): a class for timing. Deterministic for a given seed.
    """
    rng = random.Random(seed)
    deck: Deck = {e: itertools.cycle(rng.sample(mutants(e), len(mutants(e)))) for e in EXERCISES}
    folder.mkdir(parents=True, exist_ok=True)
    expected: dict[str, Expected] = {}
    counters: dict[str, int] = {}
    for number, kind in enumerate(_roster(n, clean), start=1):
        student_id = f"s{number:03d}"
        index = counters[kind] = counters.get(kind, -1) + 1
        if kind in BROKEN:
            expected[student_id] = _broken(kind, folder, student_id, rng)
            continue
        student = KINDS[kind](rng, index, deck)
        notebook = _notebook(student, rng, title=f"student {student_id}")
        if kind == "correct" and index % 5 == 4:  # some submit a folder holding the notebook (and notes)
            (folder / student_id).mkdir()
            nbformat.write(notebook, str(folder / student_id / "W1D2_Tutorial1.ipynb"))
            (folder / student_id / "notes.txt").write_text("my notes\n")
            student.what.append("a folder with the notebook")
        else:
            nbformat.write(notebook, str(folder / f"{student_id}.ipynb"))
        expected[student_id] = Expected(
            status="graded", exercises=dict(student.verdicts), what="; ".join(student.what),
            not_implemented=frozenset(student.not_implemented), hostile=student.hostile,
            cells=dict(student.cells))
    return expected


def _broken(kind: str, folder: Path, student_id: str, rng: random.Random) -> Expected:
    """A submission that cannot be read at all: every exercise 0, status error."""
    zero = {e: Verdict.ZERO for e in EXERCISES}
    if kind == "truncated":
        student = _base(rng)
        text = json.dumps(nbformat.from_dict(_notebook(student, rng, student_id)), indent=1)
        (folder / f"{student_id}.ipynb").write_text(text[: len(text) * 2 // 3], encoding="utf-8")
        return Expected("error", zero, "a notebook cut off two thirds in", message="not a readable Jupyter notebook")
    if kind == "not_a_notebook":
        (folder / f"{student_id}.docx").write_bytes(b"PK\x03\x04 a Word document, not a notebook")
        return Expected("error", zero, "a .docx file", message="not a Jupyter notebook or a Python file")
    if kind == "empty_folder":
        (folder / student_id).mkdir()
        return Expected("error", zero, "an empty folder", message="holds no notebook")
    if kind == "duplicate":
        student = _base(rng)
        nbformat.write(_notebook(student, rng, student_id), str(folder / f"{student_id}.ipynb"))
        (folder / f"{student_id}.py").write_text(_code(reference("sq_loss")), encoding="utf-8")
        return Expected("error", zero, "two submissions for one id (.ipynb and .py)", message="several submissions")
    raise ValueError(kind)
