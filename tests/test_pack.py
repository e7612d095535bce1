"""Packs (`grader pack`): a bank frozen for students grades exactly as the live bank, with no answer in it;
hidden checks are graded later."""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import pytest
import torch

from conftest import ROOT, grader, mutant_path, pack_facts, reference_path
from grader import bank, engine, pack, report, submission, validate
from grader.results import ExerciseReport, Status

SMALL = ("sq_loss", "mnist_loss")  # quick to freeze; mnist_loss has a hidden check


@pytest.fixture(scope="module")
def small_pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("packs") / "smallpack"
    assert pack.build([f"builtin:{name}" for name in SMALL], root) == sorted(SMALL)
    return root


@pytest.fixture
def using(small_pack: Path):
    bank.use([small_pack])
    yield small_pack
    bank.use([])


def _grade(ref: str, path: Path) -> ExerciseReport:
    with submission.prepared(path, ref) as source:
        return engine.grade(bank.get(ref), source)


def test_a_pack_holds_no_answer_and_only_plain_data(small_pack: Path):
    files = sorted(p.relative_to(small_pack).as_posix() for p in small_pack.rglob("*") if p.is_file())
    assert "pack.json" in files and "pyproject.toml" in files and "torchgrader.toml" in files
    for name in SMALL:
        for part in (f"exercises/{name}.py", f"exercises/{name}/checks.py", f"exercises/{name}/text.toml",
                     f"exercises/{name}/frozen.json", f"exercises/{name}/frozen.pt.xz",
                     f"exercises/{name}/mistakes.json", f"exercises/{name}/mistakes.pt.xz"):
            assert part in files
    assert not [f for f in files if re.search(r"reference_solutions|mutants|alternates|hidden\.py", f)], files
    solutions = [reference_path(n).read_text().split('"""')[-1].strip() for n in SMALL]
    mutant = mutant_path("mnist_loss", "exp_ratio_sigmoid").read_text().split('"""')[-1].strip()
    for path in small_pack.rglob("*"):
        if path.is_file() and not path.name.endswith(".xz"):
            text = path.read_text(encoding="utf-8")
            assert not any(s in text for s in [*solutions, mutant]), path
    hidden = json.loads((small_pack / "exercises/mnist_loss/frozen.json").read_text())["hidden"]
    assert hidden == [{"id": "saturated", "title": "finite for very confident logits", "points": 1.0}]
    tensors = pack.load_tensors(small_pack / "exercises/sq_loss/frozen.pt.xz")  # weights_only=True inside
    assert tensors and all(type(t) is torch.Tensor for t in tensors.values())
    assert sum(p.stat().st_size for p in small_pack.rglob("*") if p.is_file()) < 500_000


def test_a_pack_grades_as_the_live_bank_without_loading_a_reference(using: Path):
    for name in SMALL:
        for path in (reference_path(name), ROOT / "exercises" / f"{name}.py"):
            live, frozen = _grade(f"builtin:{name}", path), _grade(f"smallpack:{name}", path)
            visible = [c for c in live.checks if not c.hidden]
            assert pack_facts(frozen.checks) == pack_facts(visible)
    assert not [m for m in sys.modules if m.startswith("grader_reference.smallpack")]


def test_a_pack_reads_its_data_not_a_reference(using: Path):
    path = using / "exercises/sq_loss/frozen.pt.xz"
    saved = path.read_bytes()
    tensors = pack.load_tensors(path)
    try:
        pack.save_tensors({k: t * 2 if t.is_floating_point() else t for k, t in tensors.items()}, path)
        engine._reference.cache_clear()  # this process graded it before the change
        doubled = _grade("smallpack:sq_loss", reference_path("sq_loss"))
        assert doubled.checks[1].status is Status.FAILED  # the reference itself, judged by doubled data
    finally:
        path.write_bytes(saved)
        engine._reference.cache_clear()
    assert _grade("smallpack:sq_loss", reference_path("sq_loss")).score == 4


def _tensor_numbers(plain: object) -> set[int]:
    """The tensor numbers some stored observations refer to."""
    if isinstance(plain, dict):
        found = {plain["tensor"]} if set(plain) == {"tensor"} else set()
        return found.union(*(_tensor_numbers(v) for v in plain.values()))
    return set().union(*(_tensor_numbers(v) for v in plain)) if isinstance(plain, list) else set()


def test_the_mutants_tensors_are_kept_apart_and_read_only_when_a_check_fails(using: Path,
                                                                            monkeypatch: pytest.MonkeyPatch):
    folder = using / "exercises/sq_loss"
    data = json.loads((folder / "frozen.json").read_text())
    reference = {str(n) for c in data["checks"] for n in _tensor_numbers([c["native"], c["exact"]])}
    mutants = {str(n) for c in data["checks"] for n in _tensor_numbers(list(c.get("mutants", {}).values()))}
    assert set(pack.load_tensors(folder / "frozen.pt.xz")) == reference
    assert set(pack.load_tensors(folder / "mistakes.pt.xz")) == mutants - reference and mutants - reference
    read: list[str] = []
    real = pack._mutant_tensors
    monkeypatch.setattr(pack, "_mutant_tensors", lambda ref: read.append(ref) or real(ref))
    assert _grade("smallpack:sq_loss", reference_path("sq_loss")).score == 4 and not read
    wrong = _grade("smallpack:sq_loss", mutant_path("sq_loss", "mean_reduction"))
    assert wrong.score < 4 and read


def test_the_builtin_banks_own_pack_is_written_beside_its_exercises(monkeypatch: pytest.MonkeyPatch):
    written: list[tuple[str, Path]] = []
    monkeypatch.setattr(pack, "_write_frozen", lambda source, name, folder: written.append((name, folder)))
    monkeypatch.setattr(pack, "_write_mark", lambda root, *args: written.append(("pack.json", root)))
    assert pack.build(["builtin:sq_loss"], ROOT / "grader" / "builtin_pack") == ["sq_loss"]
    assert written == [("sq_loss", ROOT / "exercises/sq_loss"), ("pack.json", ROOT / "grader/builtin_pack")]
    assert pack.exercises_folder(ROOT / "grader" / "builtin_pack") == ROOT / "exercises"


def test_a_stale_builtin_pack_names_the_one_command(monkeypatch: pytest.MonkeyPatch):
    said: list[str] = []
    monkeypatch.setattr(pack, "_stale_exercise", lambda root, ref, regenerate: said.append(regenerate) or [])
    assert pack.stale(ROOT / "grader" / "builtin_pack", ["sq_loss"]) == {"sq_loss": []}
    assert said == [f"run 'grader pack --out grader/builtin_pack' in {ROOT} to regenerate it"]


def test_a_student_sees_how_many_hidden_checks_are_graded_later(using: Path):
    from rich.console import Console

    got = _grade("smallpack:mnist_loss", mutant_path("mnist_loss", "exp_ratio_sigmoid"))
    assert got.score == got.max_score == 4  # out of the visible points: the hidden check is not here
    assert [c.id for c in got.checks] == ["scalar", "values", "grad", "inputs_unchanged"]
    assert got.hidden_later == [("finite for very confident logits", 1.0)]
    for lang, said in (("en", "1 hidden checks (1 points) are graded later"), ("ja", "非公開チェック 1 件（1 点）")):
        console = Console(width=300, record=True)
        report.render(got, console, lang)
        shown = console.export_text()
        assert said in shown and "out of the 4 points" in shown if lang == "en" else said in shown
        assert "confident" not in shown and "saturated" not in json.dumps(report.to_json(got, lang))
    assert report.to_json(got)["hidden_later"] == {"checks": 1, "points": 1.0}


def test_the_full_bank_grades_hidden_checks_and_gradescope_publishes_them_later():
    from grader.exports import gradescope
    from grader.exports.common import Gradebook

    got = _grade("builtin:mnist_loss", mutant_path("mnist_loss", "exp_ratio_sigmoid"))
    hidden = got.checks[-1]
    assert (hidden.id, hidden.hidden, hidden.status) == ("saturated", True, Status.FAILED)
    assert hidden.feedback is not None and hidden.feedback.summary[0] == "hidden_failed"
    assert got.score == 4 and got.max_score == 5 and not got.hidden_later
    right = _grade("builtin:my_linear", reference_path("my_linear"))
    assert right.checks[-1].hidden and right.score == right.max_score == 7
    wrong = _grade("builtin:my_linear", mutant_path("my_linear", "casts_input_float32"))
    assert (wrong.checks[-1].id, wrong.checks[-1].status) == ("float64", Status.ERROR) and wrong.score == 6
    student = {"student": "s1", "status": "graded", "score": 4.0, "max_score": 5.0,
               "exercises": [report.to_json(got)], "message": ""}
    book = Gradebook(exercises=("mnist_loss",), exercise_max={"mnist_loss": 5.0}, title="t")
    tests = gradescope.results(student, book)["tests"]
    assert [t.get("visibility") for t in tests] == [None, None, None, None, "after_published"]


def test_reference_cpu_is_scaled_by_the_calibration(using: Path, monkeypatch: pytest.MonkeyPatch):
    bank.use([])
    big = Path(str(using).replace("smallpack", "timedpack"))
    if not big.is_dir():
        monkeypatch.setattr(pack, "_mutants", lambda ref, index: {})  # (the mutants' data is not timed)
        monkeypatch.setattr(pack, "_mutant_signatures", lambda ref, index: {})
        pack.build(["builtin:broadcast_distances"], big)
    bank.use([big])
    index = [c.id for c in bank.get("timedpack:broadcast_distances").checks].index("vectorised")
    data = json.loads((big / "exercises/broadcast_distances/frozen.json").read_text())
    stored, at_pack = data["checks"][index]["cpu"], data["calibration"]  # measured together, per exercise
    monkeypatch.setattr(pack, "calibration", lambda: at_pack * 3)  # a machine three times slower
    assert engine.reference_cpu("timedpack:broadcast_distances", index, "cpu") == pytest.approx(stored * 3)
    assert 0 < stored < 1


def test_validate_names_a_stale_pack_and_the_command(using: Path, tmp_path: Path):
    assert pack.stale(using, list(SMALL)) == {"sq_loss": [], "mnist_loss": []}
    stale = tmp_path / "stale"
    shutil.copytree(using, stale)
    path = stale / "exercises/sq_loss/frozen.pt.xz"
    tensors = pack.load_tensors(path)
    first = json.loads((stale / "exercises/sq_loss/frozen.json").read_text())["checks"][1]["native"]
    number = str(next(iter(first.values()))["value"]["tensor"])
    tensors[number] = tensors[number] + 1
    pack.save_tensors(tensors, path)
    problems = pack.stale(stale, list(SMALL))
    assert problems["mnist_loss"] == []
    assert any(f"sq_loss, check '{c}'" in line and f"grader pack --out {stale}" in line
               for line in problems["sq_loss"] for c in ("shape", "values"))


def test_validate_fails_when_the_builtin_pack_is_stale(monkeypatch: pytest.MonkeyPatch, small_pack: Path):
    monkeypatch.setattr(validate, "builtin_pack", lambda: small_pack)
    ok = validate.packed(["sq_loss"])
    assert [(v.subject.role, v.ok) for v in ok] == [("pack", True)]
    missing = validate.packed(["my_linear"])
    assert not missing[0].ok and "my_linear is not in it" in missing[0].problems[0]


def test_grader_pack_command_writes_an_installable_pack(tmp_path: Path):
    done = grader("pack", "sq_loss", "--out", tmp_path / "p")
    assert done.code == 0, done.stderr
    assert json.loads((tmp_path / "p/pack.json").read_text())["exercises"] == ["sq_loss"]
    assert 'torchgrader.banks' in (tmp_path / "p/pyproject.toml").read_text() and "pip install" in done.stdout
    again = grader("pack", "--bank", tmp_path / "p", "--out", tmp_path / "q")
    assert again.code == 2 and "is a pack already" in again.stderr


def test_an_installed_pack_carries_every_file_of_the_pack(small_pack: Path):
    """pip installs what the pack's package-data names: every file `grader pack` wrote (mistakes too)."""
    import fnmatch
    import tomllib

    config = tomllib.loads((small_pack / "pyproject.toml").read_text())
    (globs,) = config["tool"]["setuptools"]["package-data"].values()
    files = [p.relative_to(small_pack).as_posix() for p in small_pack.rglob("*") if p.is_file()]
    assert "exercises/mnist_loss/mistakes.json" in files and "exercises/mnist_loss/mistakes.pt.xz" in files
    missed = [f for f in files if f not in ("pyproject.toml", "__init__.py")
              and not any(fnmatch.fnmatch(f, g) and f.count("/") == g.count("/") for g in globs)]
    assert missed == []


def test_an_exercise_is_packed_with_the_exercises_its_checks_use():
    assert pack._with_siblings(ROOT, ["mnist_distance"]) == ["broadcast_distances", "mnist_distance"]
