"""Where an exercise's stub, reference solution and mutants are, installed or in a checkout."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

_PACKAGE = Path(__file__).resolve().parent


def _data_dir(name: str) -> Path:
    # A wheel carries exercises/ and reference_solutions/ inside the package (see
    # pyproject.toml); an editable checkout has them at the top of the repository.
    installed = _PACKAGE / name
    return installed if installed.is_dir() else _PACKAGE.parent / name


def stubs_dir() -> Path:
    return _data_dir("exercises")


def stub_path(exercise: str) -> Path:
    return stubs_dir() / f"{exercise}.py"


def reference_path(exercise: str) -> Path:
    return _data_dir("reference_solutions") / f"{exercise}.py"


def mutant_paths(exercise: str) -> list[Path]:
    folder = _data_dir("reference_solutions") / "mutants" / exercise
    return sorted(p for p in folder.glob("*.py") if not p.name.startswith("_"))


def load_module(path: Path, name: str) -> ModuleType:
    """Import a trusted file (a reference solution) into the grader's own process."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
