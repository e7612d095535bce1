"""The exercise banks, and the exercise a name stands for.

Banks are found, in this order: the built-in bank; `--bank DIR` (`use`); `$GRADER_BANK` (folders separated
by `os.pathsep`); the nearest `torchgrader.toml` above the current directory; installed packages that declare
an entry point in the group `torchgrader.banks` (a module whose folder is the bank, or a function returning
the folder). An exercise is `name` where only one bank has it, and `bank:name` always.
"""

from __future__ import annotations

import difflib
import functools
import os
from collections.abc import Sequence
from pathlib import Path

from grader.bank.config import CONFIG, Assignment, BankError
from grader.bank.folder import Bank
from grader.errors import BadOption, UnknownExercise
from grader.spec import Exercise

ENTRY_POINTS = "torchgrader.banks"
ENV = "GRADER_BANK"
_PACKAGE = Path(__file__).resolve().parent.parent
_chosen: tuple[Path, ...] = ()  # --bank folders
_discover = True  # False in a worker: it uses exactly the banks the grader hands it


def builtin_root() -> Path:
    """The built-in bank: a checkout's top folder (live, with its reference solutions), or in an installed
    package the pack of it, grader/builtin_pack (the checkout's exercises/ and their frozen data, mapped there
    when the wheel is built; no solutions)."""
    checkout = _PACKAGE.parent
    if (checkout / CONFIG).is_file() and (checkout / "reference_solutions").is_dir():
        return checkout
    return _PACKAGE / "builtin_pack"


def use(roots: Sequence[str | Path], *, discover: bool = True) -> None:
    """Grade with these banks besides the built-in one (and, with `discover`, those found as above)."""
    global _chosen, _discover
    _chosen, _discover = tuple(Path(r) for r in roots), discover
    _banks.cache_clear()


def roots() -> tuple[str, ...]:
    """The folders of every usable bank but the built-in one: what a worker is handed (`use(..., discover=False)`)."""
    return tuple(str(b.root) for b in banks() if not b.builtin and b.problem is None)


def banks() -> tuple[Bank, ...]:
    """Every bank found, each once, broken ones included (with their `problem`)."""
    return _banks(_chosen, _discover, os.environ.get(ENV, "") if _discover else "",
                  str(Path.cwd()) if _discover else "")


@functools.cache
def _banks(chosen: tuple[Path, ...], discover: bool, env: str, cwd: str) -> tuple[Bank, ...]:
    found = [Bank.open(builtin_root(), "built-in", builtin=True)]
    found += [Bank.open(root, "--bank") for root in chosen]
    if discover:
        found += [Bank.open(Path(part), ENV) for part in env.split(os.pathsep) if part]
        nearest = _nearest(Path(cwd))
        if nearest is not None:
            found.append(Bank.open(nearest, "nearest config"))
        found += _entry_point_banks()
    unique: dict[Path, Bank] = {}
    for bank in found:
        unique.setdefault(bank.root, bank)
    return tuple(unique.values())




def _nearest(folder: Path) -> Path | None:
    for candidate in (folder, *folder.parents):
        if (candidate / CONFIG).is_file():
            return candidate
    return None


def _entry_point_banks() -> list[Bank]:
    from importlib.metadata import entry_points

    found = []
    for point in entry_points(group=ENTRY_POINTS):
        origin = f"entry point {point.name} ({point.value})"
        try:
            target = point.load()
            root = Path(target() if callable(target) else Path(target.__file__).parent)
        except Exception as exc:  # a broken package must not stop the other banks
            found.append(Bank(Path(f"<{point.name}>"), origin, problem=f"the entry point '{point.name}' "
                              f"({point.value}) failed to load: {type(exc).__name__}: {exc}. Reinstall or fix "
                              "that package."))
            continue
        found.append(Bank.open(root, origin))
    return found


def locate(ref: str) -> tuple[Bank, str]:
    """The bank and exercise `ref` ("name" or "bank:name") stands for; UnknownExercise or BadOption otherwise."""
    usable = [b for b in banks() if b.problem is None]
    bank_name, _, name = ref.rpartition(":")
    if bank_name:
        for bank in usable:
            if bank.name == bank_name:
                if name in bank.exercise_names():
                    return bank, name
                raise UnknownExercise(ref, [f"{bank_name}:{n}" for n in difflib.get_close_matches(
                    name, bank.exercise_names(), n=3, cutoff=0.5)])
        unusable = [b for b in banks() if b.problem is not None]
        raise BadOption(f"no bank called '{bank_name}' (for '{ref}'). Known: {', '.join(b.name for b in usable)}."
                        + "".join(f" Not usable: {b.problem}" for b in unusable))
    holders = [bank for bank in usable if name in bank.exercise_names()]
    if len(holders) > 1:
        raise BadOption(f"'{name}' is an exercise of several banks ({', '.join(b.name for b in holders)}): "
                        f"say which, e.g. {holders[-1].name}:{name}.")
    if holders:
        return holders[0], name
    broken = [b.problem for b in banks() if b.problem is not None]
    known = [n for bank in usable for n in bank.exercise_names()]
    error = UnknownExercise(name, difflib.get_close_matches(name, known, n=3, cutoff=0.5))
    if broken:
        error.args = (f"{error.args[0]} (A bank could not be read: {' '.join(broken)})",)
    raise error


def get(ref: str) -> Exercise:
    """The exercise `ref` stands for, loaded; UnknownExercise, BadOption or BankError otherwise."""
    bank, name = locate(ref)
    return _load(bank.root, name)


@functools.cache
def _load(root: Path, name: str) -> Exercise:
    bank = next(b for b in banks() if b.root == root)
    return bank.load(name)


def bank_of(exercise: Exercise) -> Bank:
    """The bank an exercise was loaded from."""
    return next(b for b in banks() if b.name == exercise.bank and b.problem is None)


def names() -> list[str]:
    """Every exercise of every usable bank: its name, or bank:name where another bank has one so named."""
    usable = [b for b in banks() if b.problem is None]
    counts: dict[str, int] = {}
    for bank in usable:
        for name in bank.exercise_names():
            counts[name] = counts.get(name, 0) + 1
    return [name if counts[name] == 1 else f"{bank.name}:{name}" for bank in usable for name in bank.exercise_names()]


def all_exercises() -> list[Exercise]:
    return [get(name) for name in names()]


def assignments() -> list[tuple[Bank, Assignment]]:
    """Every assignment of every usable bank."""
    return [(bank, a) for bank in banks() if bank.problem is None for a in bank.config.assignments]


def assignment(ref: str) -> tuple[Bank, Assignment]:
    """The assignment `ref` ("name" or "bank:name") stands for; BadOption (with close matches) otherwise."""
    bank_name, _, name = ref.rpartition(":")
    found = [(b, a) for b, a in assignments() if a.name == name and (not bank_name or b.name == bank_name)]
    if len(found) == 1:
        return found[0]
    if found:
        raise BadOption(f"--assignment {ref}: several banks have it ({', '.join(b.name for b, _ in found)}); "
                        f"say which, e.g. --assignment {found[-1][0].name}:{name}.")
    known = [a.name for _, a in assignments()]
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
    hint = f" Did you mean '{close[0]}'?" if close else f" Known: {', '.join(known)}."
    raise BadOption(f"--assignment {ref}: no such assignment.{hint} Or pass --exercises a,b,c.")


__all__ = ["Assignment", "Bank", "BankError", "all_exercises", "assignment", "assignments", "bank_of", "banks",
           "builtin_root", "get", "locate", "names", "roots", "use"]
