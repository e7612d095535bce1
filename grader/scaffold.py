"""`grader new NAME`: a new exercise in a bank, complete and valid from the start, for its author to rewrite.

It writes the exercise's every file (see `grader.bank.folder`): the stub, the reference, checks.py (a real
Exercise: a probe keyed with `keys.call`, three checks), text.toml in English and Japanese, one mutant and one
alternate. The example is `relu` under the exercise's name; `grader validate --bank DIR NAME` passes at once.
"""

from __future__ import annotations

import keyword
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from grader.bank.config import CONFIG, NAME
from grader.errors import BadOption

MUTANT = "absolute_value"
ALTERNATE = "where_positive"
# A stub named like a library would hide it from the student's own imports (engine.LIBRARIES); "hint" and
# "call" begin the grader's own message ids (hint.<exercise>.x, call.gradient).
RESERVED = ("torch", "torchvision", "numpy", "matplotlib", "pandas", "scipy", "sklearn", "PIL", "tqdm", "fastai",
            "grader", "hint", "call")


@dataclass(frozen=True)
class Scaffold:
    """What `new` wrote: the bank's folder, its name, whether its config is new, and every file."""

    root: Path
    bank: str
    created_config: bool
    files: tuple[Path, ...]


def bank_name_for(folder: Path) -> str:
    """A bank name (config.NAME) made from a folder's name: `My-Course 2026` → `my_course_2026`."""
    name = re.sub(r"[^a-z0-9_]+", "_", folder.resolve().name.lower()).strip("_")
    return name if re.fullmatch(NAME, name) else f"bank_{name}" if name else "bank"


def check_name(name: str) -> None:
    """BadOption unless `name` can name an exercise: lower-case snake_case, not a keyword, hides no library."""
    if not re.fullmatch(NAME, name) or keyword.iskeyword(name):
        raise BadOption(f"'{name}': an exercise name is lower-case letters, digits and '_', starting with a "
                        "letter, and not a Python keyword (e.g. my_relu).")
    if name in RESERVED:
        raise BadOption(f"'{name}': choose another name; it is a library's (exercises/{name}.py would hide it "
                        "from the student's imports) or the grader's own (its message ids).")


def target_bank(folder: Path | None, cwd: Path) -> Path:
    """The bank's folder: `folder`, or the nearest one with a torchgrader.toml above `cwd`; BadOption otherwise."""
    if folder is not None:
        if not folder.is_dir():
            raise BadOption(f"--bank {folder}: not a folder; create it first, or name an existing bank's folder.")
        return folder.resolve()
    for candidate in (cwd, *cwd.parents):
        if (candidate / CONFIG).is_file():
            return candidate.resolve()
    raise BadOption(f"no {CONFIG} in {cwd} or above: pass --bank DIR (a new bank is created there).")


def new(name: str, folder: Path | None = None, *, cwd: Path | None = None) -> Scaffold:
    """Write the exercise `name` into the bank at `folder` (default: the nearest above `cwd`); its config too,
    if the folder has none. BadOption, and nothing written, for a bad name, a missing folder or an existing
    exercise."""
    check_name(name)
    root = target_bank(folder, cwd or Path.cwd())
    files = _files(name)
    existing = [rel for rel in files if (root / rel).exists()]
    if (root / "exercises" / name).exists() or existing:
        raise BadOption(f"{root / 'exercises' / name}: the exercise '{name}' exists already in this bank; "
                        "choose another name, or edit its files.")
    config = root / CONFIG
    created = not config.is_file()
    if created:
        config.write_text(_CONFIG.format(bank=bank_name_for(root)), encoding="utf-8")
    written = [config] if created else []
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    from grader.bank.config import read

    bank = read(config).bank.name or bank_name_for(root)
    return Scaffold(root, "builtin" if _is_builtin(root) else bank, created, tuple(written))


def _is_builtin(root: Path) -> bool:
    from grader.bank import builtin_root

    return root == builtin_root().resolve()


def shown(path: Path) -> str:
    """`path` as the author named it: relative to the current folder where it is inside it."""
    try:
        return str(path.relative_to(Path.cwd().resolve())) or "."
    except ValueError:
        return str(path)


def next_steps(made: Scaffold, name: str) -> list[str]:
    """What the author fills in next, in a few lines."""
    rel = f"exercises/{name}"
    return [
        f"Next, in {shown(made.root)}:",
        f"  1. reference_solutions/{name}.py: your solution; {rel}.py: the stub students get",
        f"  2. {rel}/checks.py: the probes and checks; {rel}/text.toml: titles and messages (en, ja)",
        f"  3. {rel}/mutants/: one file per known mistake; {rel}/alternates/: correct variants",
        f"  4. grader validate --bank {shlex.quote(shown(made.root))} {name}",
    ]


def _files(name: str) -> dict[str, str]:
    """Every file of the new exercise, path relative to the bank → text."""
    fill = {"name": name}
    return {
        f"exercises/{name}.py": _STUB.format(**fill),
        f"reference_solutions/{name}.py": _REFERENCE.format(**fill),
        f"exercises/{name}/checks.py": _CHECKS.format(**fill),
        f"exercises/{name}/text.toml": _TEXT.format(**fill),
        f"exercises/{name}/mutants/{MUTANT}.py": _MUTANT.format(**fill),
        f"exercises/{name}/alternates/{ALTERNATE}.py": _ALTERNATE.format(**fill),
    }


_CONFIG = '''\
# An exercise bank: see docs/authoring.md. `grader list` shows what is in it.

[bank]
name = "{bank}"
title = ""
lang = "en"

# [[assignments]]
# name = "week1"
# title = "Week 1"
# exercises = ["my_exercise"]
'''

_STUB = '''\
"""Exercise {name}. (Rewrite this: what the student writes, and where it comes from.)

Fill in the body of `{name}`, then run `grader check {name}`.
"""

import torch


def {name}(x):
    """The rectified linear unit of `x`, element by element: x where x > 0, else 0.

    Args:
      x: torch.Tensor of any shape, e.g. tensor([-1., 2.]).

    Returns:
      torch.Tensor shaped like `x`, connected to the autograd graph.

    Example:
      >>> {name}(torch.tensor([-1., 2.]))
      tensor([0., 2.])
    """
    raise NotImplementedError("`{name}`")
'''

_REFERENCE = '''\
"""Reference solution of {name}."""

import torch


def {name}(x):
    """x where x > 0, else 0."""
    return x.clamp(min=0)
'''

_MUTANT = '''\
"""Mistake: takes the absolute value instead of setting negative elements to 0.
間違い: 負の要素を 0 にせず、絶対値をとっています。
Caught by: values."""

import torch


def {name}(x):
    """x where x > 0, else 0."""
    return x.abs()
'''

_ALTERNATE = '''\
"""Correct: torch.where keeps the positive elements and puts 0 elsewhere."""

import torch


def {name}(x):
    return torch.where(x > 0, x, torch.zeros_like(x))
'''

_CHECKS = '''\
"""{name}: the checks. (Rewrite this: the probes call the student's code; each check compares what they return.)"""

from __future__ import annotations

from typing import Any

from grader import keys
from grader.probes import Run, backward, grad_of
from grader.spec import Check, Exercise, rand

CASES = [rand(5, seed=1), rand(3, 4, seed=2)]  # described, not built: the same tensors in every process


def _results(run: Run) -> dict[str, Any]:
    """{name}(x) on each case, keyed by the call as the student reads it (message "call" in text.toml)."""
    {name} = run.get("{name}")
    out = {{}}
    for spec in CASES:
        x = run.make(spec)
        out[keys.call("{name}.call", shape=keys.shapes(x))] = run.call({name}, x)
    return out


def _gradients(run: Run) -> dict[str, Any]:
    """The gradient that reaches x through {name}(x)."""
    {name} = run.get("{name}")
    x = run.make(rand(6, seed=3)).requires_grad_(True)
    called = keys.call("{name}.call", shape=keys.shapes(x))
    result = run.call({name}, x)
    out = {{called: result}}
    if backward(result):
        out[keys.gradient("x", of=called)] = grad_of(x)
    return out


EXERCISE = Exercise(
    name="{name}",
    source="(where the exercise comes from)",
    entry=("{name}",),
    checks=(
        Check(id="shape", points=1, probe=_results, values=False),
        Check(id="values", points=1, probe=_results, needs=("shape",), hint="negatives"),
        Check(id="grad", points=1, probe=_gradients, needs=("values",)),
    ),
)
'''

_TEXT = '''\
# What students read of {name}, in English and Japanese (same message keys, same placeholders).
# "hint.x" is shown as hint.{name}.x, and "x" as {name}.x.

[en]
title = "ReLU (rewrite: the exercise's title)"

[en.checks]
shape = "keeps the shape of x"
values = "elementwise values"
grad = "gradient w.r.t. x"

[en.messages]
"call" = "{name}(x) with x of shape {{shape}}"
"hint.negatives" = "negative elements should become 0, and the others stay as they are."

[ja]
title = "ReLU（書き換えてください：課題のタイトル）"

[ja.checks]
shape = "x の形状を保つ"
values = "要素ごとの値"
grad = "x に関する勾配"

[ja.messages]
"call" = "{name}(x)（x の形状 {{shape}}）"
"hint.negatives" = "負の要素は 0 に、それ以外の要素はそのままにしてください。"
'''
