"""One bank on disk: a folder with `torchgrader.toml` at its root, and one folder per exercise.

```
torchgrader.toml                 the bank's config (see config.py)
exercises/<name>.py              the stub a student edits
exercises/<name>/checks.py       EXERCISE: the checks (spec and probes)
exercises/<name>/text.toml       what students read: title, check titles, messages, in English and Japanese
exercises/<name>/mutants/*.py    known-wrong solutions (docstring: the mistake in English and Japanese, and the checks
                                 that catch it; see MutantDoc)
exercises/<name>/alternates/*.py other correct solutions
reference_solutions/<name>.py    the instructor's solution
```
This repository is the built-in bank; a course's bank has the same shape.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import json
import re
import string
import sys
import threading
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import cast

from grader.bank.config import CONFIG, BankConfig, BankError, line_of, read
from grader.spec import Check, Exercise

LANGS = ("en", "ja")


@dataclass(frozen=True)
class Bank:
    """A bank found on disk (`config` None and `problem` set when it cannot be used)."""

    root: Path
    origin: str  # how it was found: "built-in", "--bank", "GRADER_BANK", "nearest config", "entry point NAME"
    config: BankConfig = field(default_factory=BankConfig)
    problem: str | None = None
    builtin: bool = False
    found: tuple[str, ...] = ()  # the folders exercises/<name>/ with a checks.py, read when the bank is opened

    @classmethod
    def open(cls, root: Path, origin: str, *, builtin: bool = False) -> Bank:
        """The bank at `root`; one whose config cannot be read carries the reason as its `problem`."""
        root = root.resolve()
        if not (root / CONFIG).is_file():
            return cls(root, origin, problem=f"{root}: no {CONFIG} here; a bank is a folder with a "
                                             f"{CONFIG} at its root (see docs/authoring.md).", builtin=builtin)
        try:
            config = read(root / CONFIG)
        except BankError as exc:
            return cls(root, origin, problem=str(exc), builtin=builtin)
        found = _exercise_folders(root)
        known = set(found) if builtin else set(found) | set(_exercise_folders(_builtin_root()))
        for index, assignment in enumerate(config.assignments):
            unknown = [e for e in assignment.exercises if ":" not in e and e not in known]
            if unknown:
                line = line_of(root / CONFIG, ("assignments", index, "exercises"))
                return cls(root, origin, problem=f"{root / CONFIG}:{line}: assignment '{assignment.name}' lists "
                           f"{', '.join(unknown)}, which is no exercise of this bank (no exercises/<name>/checks.py) "
                           "nor of the built-in one; fix the name, or write bank:exercise.", builtin=builtin)
        return cls(root, origin, config, builtin=builtin, found=found)

    @property
    def name(self) -> str:
        return "builtin" if self.builtin else (self.config.bank.name or self.root.name)

    def exercise_names(self) -> tuple[str, ...]:
        """Every exercise of the bank: those of its assignments first, in their order, then the others by name."""
        listed = [e for a in self.config.assignments for e in a.exercises if e in self.found]
        return tuple(dict.fromkeys([*listed, *self.found]))

    @property
    def is_pack(self) -> bool:
        """Whether this bank is a pack (`grader pack`): references frozen as data, no solutions' source."""
        return (self.root / "pack.json").is_file()

    def folder(self, exercise: str) -> Path:
        return self.root / "exercises" / exercise

    def stub(self, exercise: str) -> Path:
        return self.root / "exercises" / f"{exercise}.py"

    def reference(self, exercise: str) -> Path:
        return self.root / "reference_solutions" / f"{exercise}.py"

    def mutants(self, exercise: str) -> list[Path]:
        return sorted(p for p in (self.folder(exercise) / "mutants").glob("*.py") if not p.name.startswith("_"))

    def mistakes(self, exercise: str) -> dict[str, MutantDoc]:
        """Each mutant's docstring read (`mutant_doc`), by mutant name; in a folder without mutant source (a
        pack), what its MISTAKES file keeps of them."""
        docs = {path.stem: mutant_doc(path) for path in self.mutants(exercise)}
        stored = self.folder(exercise) / MISTAKES
        return docs if docs or not stored.is_file() else read_mistakes(stored)

    def alternates(self, exercise: str) -> list[Path]:
        return sorted(p for p in (self.folder(exercise) / "alternates").glob("*.py") if not p.name.startswith("_"))

    def fingerprint(self, exercise: str) -> str:
        """A hash of what decides how `exercise` is graded: every file of its folder (checks.py, text.toml,
        hidden.py, mutants, a pack's frozen data), the checks.py of each exercise its checks use through
        `sibling` (and theirs), its stub, its reference and this bank's [points] for it. The gradebook keeps a
        student's result only while it is unchanged. A live bank's frozen data is left out: it is made from the
        references, so regenerating it changes no grade."""
        folder = self.folder(exercise)
        derived = () if self.is_pack else FROZEN
        files = sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                       and not (p.parent == folder and p.name in derived))
        shared = [self.folder(name) / "checks.py" for name in _siblings(self.root, exercise)]
        digest = hashlib.sha256()
        for path in (*files, *shared, self.stub(exercise), self.reference(exercise)):
            if path.is_file():
                digest.update(path.relative_to(self.root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
        points = sorted((k, v) for k, v in self.config.points.items() if k.split(".", 1)[0] == exercise)
        digest.update(repr(points).encode())
        return digest.hexdigest()[:16]

    def load(self, exercise: str) -> Exercise:
        """The exercise as graded: its checks, with its text and this bank's points. BankError naming the
        file and what to do where something is wrong."""
        folder = self.folder(exercise)
        checks = folder / "checks.py"
        try:
            spec = checks_module(checks).EXERCISE
        except Exception as exc:  # the author's code: any error is theirs to fix
            raise BankError(f"{checks}: could not be loaded ({type(exc).__name__}: {exc}). Fix it, then run "
                            f"'grader validate {self.name}:{exercise}'.") from None
        if not isinstance(spec, Exercise) or spec.name != exercise:
            raise BankError(f"{checks}: EXERCISE must be an Exercise named '{exercise}' (the folder's name).")
        text = read_text(folder / "text.toml", spec)
        check_message_ids(checks, folder / "text.toml", spec)
        titles = cast(dict[str, str], text["en"].get("checks", {}))
        points = {key.split(".", 1)[1]: value for key, value in self.config.points.items()
                  if key.split(".", 1)[0] == exercise}
        hidden = () if self.is_pack else _hidden_checks(folder, spec)
        unknown = sorted(set(points) - {c.id for c in (*spec.checks, *hidden)})
        if unknown:
            raise BankError(f"{self.root / CONFIG}: [points] names {', '.join(unknown)}, which "
                            f"{exercise} has no check called.")
        checks_ = tuple(check.model_copy(update={
            "title": titles.get(check.id) or check.title,
            "points": points.get(check.id, check.points),
            "hint": _qualified(check.hint, exercise),
            "factor_hints": tuple(_qualified(h, exercise) or h for h in check.factor_hints),
        }) for check in (*spec.checks, *hidden))
        register_mistakes(exercise, self.mistakes(exercise))
        return spec.model_copy(update={"title": text["en"]["title"], "checks": checks_, "bank": self.name})


@dataclass(frozen=True)
class MutantDoc:
    """A mutant's docstring read: the mistake it makes, by language, and the checks that must catch it.

    The format (one mutant file's docstring; the sentences may wrap over several lines):
    ```
    \"\"\"Mistake: reduces with .mean(), giving one number.
    間違い: .mean() で平均して、1 つの値にしてしまっています。
    Caught by: shape, values.\"\"\"
    ```
    """

    mistake: dict[str, str]  # {"en": ..., "ja": ...}: the languages the docstring has
    caught_by: tuple[str, ...]


_MISTAKE = {"en": re.compile(r"Mistake:\s*(.*?)\s*(?=間違い:|Caught by:|$)", re.S),
            "ja": re.compile(r"間違い:\s*(.*?)\s*(?=Mistake:|Caught by:|$)", re.S)}
_CAUGHT_BY = re.compile(r"Caught by:\s*([a-z0-9_]+(?:\s*,\s*[a-z0-9_]+)*)")


def mutant_doc(path: Path) -> MutantDoc:
    """The mistake and the catching checks a mutant's docstring states (empty where it states none)."""
    try:
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        doc = ""
    mistake = {}
    for lang, pattern in _MISTAKE.items():
        found = pattern.search(doc)
        if found and found.group(1).strip():
            mistake[lang] = _joined(found.group(1))
    caught = _CAUGHT_BY.search(doc)
    return MutantDoc(mistake, tuple(p.strip() for p in caught.group(1).split(",")) if caught else ())


def _joined(sentence: str) -> str:
    """A wrapped sentence on one line: lines joined by a space, or by nothing between two non-ASCII
    characters (Japanese has no spaces between words)."""
    out = ""
    for line in (part.strip() for part in sentence.splitlines()):
        if line:
            out += ("" if not out or (not out[-1].isascii() and not line[0].isascii()) else " ") + " ".join(line.split())
    return out


MISTAKES = "mistakes.json"  # in a pack: its mutants' explanations and catching checks, without their code
DATA, TENSORS, MUTANT_TENSORS = "frozen.json", "frozen.pt.xz", "mistakes.pt.xz"  # grader.pack's frozen data
FROZEN = (DATA, TENSORS, MUTANT_TENSORS, MISTAKES)  # what `grader pack` writes into an exercise's folder


def mistakes_json(docs: dict[str, MutantDoc]) -> str:
    """What a pack writes as MISTAKES (`Bank.mistakes` of the full bank in, `read_mistakes` reads it back)."""
    return json.dumps({mutant: {"mistake": doc.mistake, "caught_by": list(doc.caught_by)}
                       for mutant, doc in sorted(docs.items())}, ensure_ascii=False, indent=1)


def read_mistakes(path: Path) -> dict[str, MutantDoc]:
    """A MISTAKES file read back ({} where it cannot be: known mistakes are then not said)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {str(mutant): MutantDoc({str(k): str(v) for k, v in entry["mistake"].items()},
                                       tuple(str(c) for c in entry["caught_by"])) for mutant, entry in data.items()}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return {}


def mistake_id(exercise: str, mutant: str) -> str:
    """The message id of a mutant's mistake: `<exercise>.mistake.<mutant>` (an exercise's own id, so that
    rendering it loads the exercise where needed)."""
    return f"{exercise}.mistake.{mutant}"


def register_mistakes(exercise: str, docs: dict[str, MutantDoc]) -> None:
    """Register each mutant's mistake as a message, in the languages its docstring has (English is said
    where Japanese is missing; `grader validate` reports that). Braces are doubled: no placeholders."""
    from grader import i18n

    messages: dict[str, dict[str, str]] = {lang: {} for lang in LANGS}
    for mutant, doc in docs.items():
        for lang, sentence in doc.mistake.items():
            messages[lang][mistake_id(exercise, mutant)] = sentence.replace("{", "{{").replace("}", "}}")
    try:
        i18n.register(exercise, messages)
    except i18n.MessageClash as exc:
        raise BankError(f"{exercise}: a mutant's mistake: {exc}; rename the mutant.") from None


def _hidden_checks(folder: Path, spec: Exercise) -> tuple[Check, ...]:
    """The checks of exercises/<name>/hidden.py (CHECKS), graded after the visible ones and shown only by
    their title; a pack leaves them out (they are graded later, from the full bank)."""
    path = folder / "hidden.py"
    if not path.is_file():
        return ()
    try:
        checks = tuple(checks_module(path).CHECKS)
    except Exception as exc:  # the author's code
        raise BankError(f"{path}: could not be loaded ({type(exc).__name__}: {exc}). Fix it, then run "
                        f"'grader validate {spec.name}'.") from None
    if not all(isinstance(c, Check) and c.title for c in checks):
        raise BankError(f"{path}: CHECKS must be a tuple of Check(...), each with its title (title=...).")
    try:
        Exercise.model_validate({**dict(spec), "checks": (*spec.checks, *checks)})  # ids unique, needs before
    except ValueError as exc:
        raise BankError(f"{path}: {exc}") from None
    return tuple(c.model_copy(update={"hidden": True}) for c in checks)


def _exercise_folders(root: Path) -> tuple[str, ...]:
    folder = root / "exercises"
    return tuple(sorted(p.parent.name for p in folder.glob("*/checks.py"))) if folder.is_dir() else ()


def _builtin_root() -> Path:
    from grader.bank import builtin_root

    return builtin_root()


def _qualified(hint: str | None, exercise: str) -> str | None:
    """A check's hint: "x" is the exercise's own message hint.<exercise>.x; an id with a dot is taken as it is."""
    return hint if hint is None or "." in hint else f"hint.{exercise}.{hint}"


def read_text(path: Path, spec: Exercise) -> dict[str, dict[str, object]]:
    """An exercise's text.toml, checked: a title and every check's title in English, the same messages with
    the same placeholders in both languages; its messages registered as hint.<exercise>.x / <exercise>.x."""
    from grader import i18n

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BankError(f"{path}: missing; every exercise needs its text (title, check titles) in "
                        "English and Japanese (see docs/authoring.md).") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise BankError(f"{path}: cannot be read ({exc}).") from None
    problems: list[str] = []
    for lang in LANGS:
        if not isinstance(data.get(lang), dict):
            problems.append(f"no [{lang}] table")
            data[lang] = {}
    for lang in LANGS:
        if not data[lang].get("title"):
            problems.append(f"no [{lang}] title")
        missing = [c.id for c in spec.checks if not data[lang].get("checks", {}).get(c.id)]
        if missing:
            problems.append(f"no [{lang}.checks] title for {', '.join(missing)}")
    messages = {lang: dict(data[lang].get("messages", {})) for lang in LANGS}
    for key in sorted(set(messages["en"]) ^ set(messages["ja"])):
        problems.append(f"message \"{key}\" is in {'en' if key in messages['en'] else 'ja'} only")
    for key in sorted(set(messages["en"]) & set(messages["ja"])):
        if _fields(messages["en"][key]) != _fields(messages["ja"][key]):
            problems.append(f"message \"{key}\" has other placeholders in ja than in en")
    if problems:
        raise BankError(f"{path}: {'; '.join(problems)}.")
    name = spec.name
    try:
        i18n.register(name, {lang: {**{(f"hint.{name}.{k[5:]}" if k.startswith("hint.") else f"{name}.{k}"): v
                                       for k, v in by_key.items()}, **_titles(name, data[lang], spec)}
                             for lang, by_key in messages.items()})
    except i18n.MessageClash as exc:
        raise BankError(f"{path}: {exc}; an exercise of another bank has the same name: rename one.") from None
    return data


def _titles(name: str, text: dict[str, object], spec: Exercise) -> dict[str, str]:
    """The exercise's title and its checks' titles as messages (i18n.title_id, i18n.check_title_id), so that a
    report is titled in the language it is rendered in. Braces are doubled: a title has no placeholders."""
    from grader import i18n

    checks = text.get("checks")
    by_id = checks if isinstance(checks, dict) else {}  # spec's checks (required), and hidden.py's where given
    titles = {i18n.title_id(name): str(text["title"]),
              **{i18n.check_title_id(name, str(check)): str(value) for check, value in by_id.items()}}
    return {key: value.replace("{", "{{").replace("}", "}}") for key, value in titles.items()}


def check_message_ids(checks: Path, text: Path, spec: Exercise) -> None:
    """Every message id the exercise uses exists in English and Japanese with the same placeholders: its checks'
    hints, and the ids its checks.py writes as string literals (hint.<exercise>.x, <exercise>.x,
    <exercise>.call.x); BankError naming the file and the id otherwise. (Run after read_text registered them.)"""
    from grader import i18n

    used = [(checks, hint) for check in spec.checks
            for hint in (_qualified(check.hint, spec.name), *(_qualified(h, spec.name) for h in check.factor_hints))
            if hint]
    used += [(checks, literal) for literal in _message_literals(checks, spec.name)]
    own = (f"{spec.name}.", f"hint.{spec.name}.")
    for where, message_id in dict.fromkeys(used):
        if i18n.defined(message_id, "en") is None and not message_id.startswith(own):
            i18n.known(message_id)  # another exercise's message (e.g. hint.sq_loss.x): that exercise brings it
        templates = {lang: i18n.defined(message_id, lang) for lang in LANGS}
        missing = [lang for lang, template in templates.items() if template is None]
        if missing:
            raise BankError(f"{where}: uses the message '{message_id}', which has no {' or '.join(missing)} text: "
                            f"add it to {text} ([{missing[0]}.messages]) or to the grader's own messages.")
        if len({frozenset(_fields(str(t))) for t in templates.values()}) > 1:
            raise BankError(f"{where}: the message '{message_id}' has other placeholders in ja than in en; "
                            f"give both the same in {text}.")


def _message_literals(checks: Path, exercise: str) -> list[str]:
    """The string literals of a checks.py that are this exercise's message ids (f-strings' parts are not)."""
    try:
        tree = ast.parse(checks.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, SyntaxError):
        return []
    parts = {id(node) for joined in ast.walk(tree) if isinstance(joined, ast.JoinedStr) for node in joined.values}
    pattern = re.compile(rf"(hint\.)?{re.escape(exercise)}\.[a-z0-9_]+(\.[a-z0-9_]+)*")
    return [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in parts and pattern.fullmatch(node.value)]


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


def checks_module(path: Path) -> ModuleType:
    """An exercise's checks.py, imported once per process (also when another exercise's checks use it), whole:
    a thread that asks while another imports it waits (a Dask worker grades several students at once)."""
    name = "grader_checks_" + hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:16]
    with _CHECKS_LOCK:
        return sys.modules.get(name) or load_module(path, name)


_CHECKS_LOCK = threading.RLock()  # re-entrant: a checks.py may load a sibling's while it is imported


_SIBLING = re.compile(r"sibling\(\s*__file__\s*,\s*[\"']([A-Za-z0-9_]+)[\"']")


def _siblings(root: Path, exercise: str) -> list[str]:
    """The other exercises whose checks.py `exercise`'s own Python files load with `sibling`, and theirs."""
    found: list[str] = []
    todo = [exercise]
    while todo:
        folder = root / "exercises" / todo.pop()
        for path in sorted(folder.glob("*.py")):
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            for name in _SIBLING.findall(text):
                if name != exercise and name not in found:
                    found.append(name)
                    todo.append(name)
    return sorted(found)


def sibling(checks_file: str, exercise: str) -> ModuleType:
    """The checks module of another exercise of the same bank, for checks that share its probes:
    `sibling(__file__, "broadcast_distances")` in a checks.py. (Its messages are its own: an exercise
    that shares its probes brings the messages it shows in its own text.toml.)"""
    return checks_module(Path(checks_file).resolve().parent.parent / exercise / "checks.py")


def load_module(path: Path, name: str) -> ModuleType:
    """Import a trusted file (checks, a reference solution) into the grader's own process."""
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"{path} is not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module
