"""Known mistakes: a failed check says which mutant's mistake the student's result looks like.

Every mutant of the built-in exercises, graded as a student's file, names its own mistake on a check
it fails, and names no mistake it does not make but for the ones whose results are the same there
(`SAME`): tests/test_bank.py asks `mistake_problems` of its one grading of each mutant. The mutants that
cannot be named, and why (`UNTOLD`):

* the check that catches them `sees` and times them (`vectorised`: a how-check decided from the source and
  the CPU time): a loop mutant's probe is seconds of CPU, over the live budget, so only a pack (which holds
  each mutant's signature, `grader.mistakes.frozen_signatures`) names them; `pair_loop` also times out;
* their result is not reproducible: `torch.empty`'s contents are whatever memory held;
* the check is too heavy to run mutants live for a failing student (`grader.mistakes.LIVE_BUDGET`):
  `train_loop.returns` is the exercise's first probe (about 1 s with torch's warm-up) and one of its
  mutants trains 1847 epochs; a pack holds their observations as data;
* the check is hidden (only its title and a fixed sentence are shown).

Mutants that cannot be told apart on a check (`SAME`): the same observations there, so each is said:
* sq_loss `mean_reduction` and `sum_reduction` on `shape` (a shape check: both give one number);
* simple_graph `detached` and `numpy_roundtrip` on `prediction` (both a float32 tensor cut from the graph),
  `item_result` and `math_tanh` (both a Python float);
* train_loop `missing_backward`, `step_without_parens` and `zero_grad_between` (no parameter ever
  changes: the same losses, parameters and optimizer state);
* cnn_dropout `dropout_made_in_forward` and `functional_always_on` on `eval_outputs` and `dropout` (both
  drop out after eval(), with the same random mask).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT, grader
from grader import bank
from grader.results import ExerciseReport

SEES = "caught by the timed how-check `vectorised` only: over the live budget (a pack names it)"
HEAVY = "train_loop.returns is over the live budget (the exercise's first probe)"
HIDDEN = "caught by a hidden check only"
UNTOLD = {
    **{("broadcast_distances", m): SEES for m in ("numpy_map_pairs", "pair_loop", "python_loops", "row_loop")},
    ("my_linear", "uninitialised_empty"): "torch.empty's contents are not reproducible",
    **{("train_loop", m): HEAVY for m in ("append_tensor", "global_epochs", "item_not_called")},
    ("my_linear", "casts_input_float32"): HIDDEN,
    ("mnist_loss", "exp_ratio_sigmoid"): HIDDEN,
}
SAME = [{"sq_loss.mean_reduction", "sq_loss.sum_reduction"},
        {"simple_graph.detached", "simple_graph.numpy_roundtrip"},
        {"simple_graph.item_result", "simple_graph.math_tanh"},
        {"train_loop.missing_backward", "train_loop.step_without_parens", "train_loop.zero_grad_between"},
        {"cnn_dropout.dropout_made_in_forward", "cnn_dropout.functional_always_on"}]


def _mutants() -> list[tuple[str, str]]:
    return [(e, p.stem) for e in bank.names() for p in sorted((ROOT / "exercises" / e / "mutants").glob("*.py"))
            if not p.name.startswith("_")]


TOLD = [m for m in _mutants() if m not in UNTOLD]


def mistake_problems(exercise: str, mutant: str, report: ExerciseReport) -> list[str]:
    """What is wrong with the mistakes a told mutant's report names: its own named on no failed check, or a
    mistake it does not make named (but for those `SAME` says it cannot be told from). `tests/test_bank.py`
    calls it on its one grading of every mutant."""
    named = {c.id: [m.split(".mistake.")[-1] for m, _ in c.feedback.mistakes]
             for c in report.checks if c.feedback is not None and c.feedback.mistakes}
    problems = [] if any(mutant in said for said in named.values()) else [f"no check named {mutant}: {named}"]
    alike = set().union(*(group for group in SAME if f"{exercise}.{mutant}" in group)) or {f"{exercise}.{mutant}"}
    others = {f"{exercise}.{m}" for said in named.values() for m in said} - alike
    return problems + ([f"{mutant} was also told it made {sorted(others)}"] if others else [])


def test_every_untold_mutant_exists() -> None:
    """The list of mutants that cannot be named stays true: each is a mutant of the bank."""
    assert set(UNTOLD) <= set(_mutants())


def test_the_terminal_says_the_mistake_in_english_and_japanese() -> None:
    path = ROOT / "exercises" / "sq_loss" / "mutants" / "abs_instead_of_square.py"
    english = grader("check", "sq_loss", "--file", path)
    japanese = grader("check", "sq_loss", "--file", path, "--lang", "ja")
    assert english.code == japanese.code == 1
    assert "this looks like a known mistake: the absolute difference (L1) instead of its square." in \
        " ".join(english.stdout.split())
    assert "よくある間違いのようです" in japanese.stdout and "絶対値（L1）" in japanese.stdout
    assert "known mistake" not in japanese.stdout


def test_the_json_report_carries_the_mistake_in_message_and_beside_it() -> None:
    path = ROOT / "exercises" / "mnist_loss" / "mutants" / "sigmoid_twice.py"
    run = grader("check", "mnist_loss", "--file", path, "--json", "--lang", "ja")
    tests = {t["id"]: t for t in run.json["tests"]}
    told = tests["values"]
    assert told["status"] == "failed"
    assert told["mistakes"] == [{"id": "mnist_loss.mistake.sigmoid_twice", "text": "シグモイドを 2 回適用しています。"}]
    assert told["message"].splitlines()[-1] == "よくある間違いのようです: シグモイドを 2 回適用しています。"
    assert all(t["mistakes"] == [] for key, t in tests.items() if key != "values")


def _json(exercise: str, path: Path) -> dict[str, Any]:
    """The JSON report of `path` graded in this process (as `grader check --json` writes it)."""
    from grader import bank, engine, submission
    from grader.report import to_json

    with submission.prepared(path, exercise) as source:
        return to_json(engine.grade(bank.get(exercise), source))


def test_a_correct_alternate_gets_no_mistake() -> None:
    report = _json("sq_loss", ROOT / "exercises" / "sq_loss" / "alternates" / "swapped_args.py")
    assert all(t["status"] == "passed" for t in report["tests"] if t["id"] in ("shape", "values", "grad"))
    assert all(t["mistakes"] == [] and "known mistake" not in t["message"] for t in report["tests"])


def test_a_failure_like_no_mutant_gets_no_mistake(tmp_path: Path) -> None:
    wrong = tmp_path / "sq_loss.py"
    wrong.write_text("def sq_loss(y_true, y_prediction):\n    return 3 * (y_true - y_prediction) ** 2\n")
    values = next(t for t in _json("sq_loss", wrong)["tests"] if t["id"] == "values")
    assert values["status"] == "failed"
    assert values["mistakes"] == [] and "known mistake" not in values["message"]


def test_student_feedback_files_say_the_mistake() -> None:
    from grader import bank, engine, submission
    from grader.batch.feedback import feedback_html, feedback_markdown
    from grader.batch.model import StudentReport, StudentStatus, student_json
    from grader.exports.common import ExportOptions, Gradebook
    from grader.exports.gradescope import feedback

    path = ROOT / "exercises" / "batch_accuracy" / "mutants" / "inverted_threshold.py"
    with submission.prepared(path, "batch_accuracy") as source:
        report = engine.grade(bank.get("batch_accuracy"), source)
    student = student_json(StudentReport(student="s1", status=StudentStatus.GRADED, exercises=[report]), "ja")
    sentence = "よくある間違いのようです: シグモイドの値が 0.5 より小さいときに 3 と予測しています（判定が逆です）。"
    assert sentence in feedback_markdown(student, "ja")
    assert sentence in feedback_html(student, "ja")
    book = Gradebook(exercises=("batch_accuracy",), exercise_max={"batch_accuracy": report.max_score}, title="a",
                     options=ExportOptions(lang="ja"))
    told = next(t for t in student["exercises"][0]["tests"] if t["mistakes"])
    assert sentence in feedback(told, book)  # what Gradescope, JUnit and PrairieLearn show of a test


def test_a_mutant_without_both_sentences_is_a_validate_problem(tmp_path: Path) -> None:
    from grader.bank.folder import mutant_doc
    from grader.results import CheckResult, ExerciseReport, Status
    from grader.validate import Subject, judge

    path = tmp_path / "m.py"
    path.write_text('"""Mistake: forgets the square.\nCaught by: values."""\n')
    doc = mutant_doc(path)
    assert doc.mistake == {"en": "forgets the square."} and doc.caught_by == ("values",)
    failed = CheckResult(id="values", title="values", status=Status.FAILED, score=0, max_score=1)
    report = ExerciseReport(exercise="x", title="x", file="m.py", device="cpu", checks=[failed])
    verdict = judge(Subject("x", "mutant", path, caught_by=doc.caught_by, mistake=tuple(doc.mistake)), report)
    assert verdict.problems == ("mutant docstring has no '間違い:' sentence (ja)",)


def test_the_docstring_format_reads_wrapped_sentences(tmp_path: Path) -> None:
    from grader.bank.folder import mutant_doc

    path = tmp_path / "m.py"
    path.write_text('"""Mistake: a sentence\nthat wraps.\n間違い: 折り返す\n文です。\nCaught by: a, b_2."""\nx = 1\n',
                    encoding="utf-8")
    doc = mutant_doc(path)
    assert doc.mistake == {"en": "a sentence that wraps.", "ja": "折り返す文です。"}
    assert doc.caught_by == ("a", "b_2")


def test_a_folder_without_mutant_source_reads_its_mistakes_file(tmp_path: Path) -> None:
    """A pack keeps no mutant's code: its `mistakes.json` brings the sentences and the catching checks."""
    import shutil

    from conftest import copy_bank
    from grader.bank.folder import MISTAKES, Bank, mistakes_json

    root = copy_bank(tmp_path, "sq_loss")
    full = Bank.open(root, "--bank").mistakes("sq_loss")
    shutil.rmtree(root / "exercises" / "sq_loss" / "mutants")
    (root / "exercises" / "sq_loss" / MISTAKES).unlink()  # the checkout keeps the built-in pack's copy beside it
    assert Bank.open(root, "--bank").mistakes("sq_loss") == {}
    (root / "exercises" / "sq_loss" / MISTAKES).write_text(mistakes_json(full), encoding="utf-8")
    assert Bank.open(root, "--bank").mistakes("sq_loss") == full
    assert full["mean_reduction"].mistake["ja"] == ".mean() で平均して、1 つの値にしてしまっています。"


def test_a_pack_says_what_the_live_bank_says(monkeypatch: pytest.MonkeyPatch) -> None:
    """With every mutant's observations as a pack stores them (`frozen_observations`), a student who never
    calls backward() is told the same three mistakes on `losses` and on `parameters` (not `global_model`,
    which fails `parameters` alike but not `losses`)."""
    from grader import bank, engine, mistakes, pack, submission
    from grader.sandbox.child import SEED

    def named() -> dict[str, list[str]]:
        path = ROOT / "exercises" / "train_loop" / "mutants" / "missing_backward.py"
        with submission.prepared(path, "train_loop") as source:
            report = engine.grade(bank.get("train_loop"), source)
        return {c.id: [m for m, _ in c.feedback.mistakes] for c in report.checks if c.feedback and c.feedback.mistakes}

    live = named()
    trio = [f"train_loop.mistake.{m}" for m in ("missing_backward", "step_without_parens", "zero_grad_between")]
    assert live["losses"] == live["parameters"] == trio
    monkeypatch.setattr(pack, "mutant_observations",
                        lambda ref, index: mistakes.frozen_observations(ref, index, "cpu", SEED))
    assert named() == live


# -- errors and how-checks (issue 11, item 8) -------------------------------------------------------------


def _told(report: dict[str, Any]) -> dict[str, tuple[str, list[str]]]:
    """Each check's status and the mistakes it names."""
    return {t["id"]: (t["status"], [m["id"] for m in t["mistakes"]]) for t in report["tests"]}


def test_a_check_whose_call_raises_like_a_mutant_names_its_mistake(tmp_path: Path) -> None:
    """The student's own code (not the mutant's file) raises as `no_transpose` does on `forward`."""
    student = tmp_path / "my_linear.py"
    code = (ROOT / "reference_solutions" / "my_linear.py").read_text()
    assert "x @ self.weight.T" in code
    student.write_text(code.replace("x @ self.weight.T", "torch.matmul(x, self.weight)"))
    told = _told(_json("my_linear", student))
    assert told["forward"] == ("error", ["my_linear.mistake.no_transpose"])


def test_a_raise_unlike_any_mutants_names_nothing(tmp_path: Path) -> None:
    student = tmp_path / "my_linear.py"
    code = (ROOT / "reference_solutions" / "my_linear.py").read_text()
    student.write_text(code.replace("return x @ self.weight.T", "raise RuntimeError('mat1 is not ready')\n"
                                    "        return x @ self.weight.T"))
    report = _json("my_linear", student)
    assert _told(report)["forward"] == ("error", [])
    assert all("known mistake" not in t["message"] for t in report["tests"])


def test_a_raise_in_japanese_says_the_mistake() -> None:
    run = grader("check", "simple_graph", "--file", ROOT / "exercises/simple_graph/mutants/numpy_tanh.py",
                 "--json", "--lang", "ja")
    told = next(t for t in run.json["tests"] if t["status"] == "error")
    assert told["mistakes"] == [{"id": "simple_graph.mistake.numpy_tanh", "text": told["mistakes"][0]["text"]}]
    assert told["message"].splitlines()[-1].startswith("よくある間違いのようです: ")


@pytest.mark.parametrize("mutant", ["cdist", "cdist_for_large"])
def test_a_forbidden_call_names_the_one_mutant_it_fails_like(mutant: str) -> None:
    """Both mutants fail `no_cdist` with the same finding (torch.cdist in the source); the runtime record
    (which only the always-cdist one has) tells them apart, so each is named alone."""
    told = _told(_json("broadcast_distances", ROOT / "exercises/broadcast_distances/mutants" / f"{mutant}.py"))
    assert told["no_cdist"] == ("failed", [f"broadcast_distances.mistake.{mutant}"])


def test_a_students_f_linear_names_the_mutant() -> None:
    code = (ROOT / "exercises/my_linear/mutants/uses_f_linear.py").read_text()
    assert "F.linear(" in code or "functional.linear(" in code
    from grader.mistakes import verdict_signature

    # a notebook's finding (a cell's line) reads as a file's (a line)
    assert verdict_signature(("static.forbidden_cell", {"construct": "F.linear", "line": 3, "cell": 2}), None) == \
        verdict_signature(("static.forbidden", {"construct": "F.linear", "line": 40}), None)
    told = _told(_json("my_linear", ROOT / "exercises/my_linear/mutants/uses_f_linear.py"))
    assert told["no_linear"] == ("failed", ["my_linear.mistake.uses_f_linear"])


def test_a_how_check_names_nothing_while_a_candidate_did_not_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """cdist_for_large fails `no_cdist` with the finding cdist has (torch.cdist in the source): with its own
    run stopped (over the budget), the one left that fails alike is not the student's mistake, so nothing is
    said."""
    from grader import mistakes

    monkeypatch.setattr(mistakes, "_RESULTS", {})
    monkeypatch.setattr(mistakes, "_SLOW", {("builtin:broadcast_distances", "cdist_for_large")})
    told = _told(_json("broadcast_distances", ROOT / "exercises/broadcast_distances/mutants/cdist_for_large.py"))
    assert told["no_cdist"] == ("failed", [])


def test_a_timed_how_check_is_named_from_a_pack(monkeypatch: pytest.MonkeyPatch) -> None:
    """`vectorised` times the mutants: over the live budget, named from a pack's signatures (here computed as
    `grader pack` stores them, for the one-loop and the three-loop mutants)."""
    from grader import mistakes, pack
    from grader.sandbox.child import SEED

    path = ROOT / "exercises/broadcast_distances/mutants/row_loop.py"
    assert _told(_json("broadcast_distances", path))["vectorised"] == ("failed", [])  # live: over the budget
    docs = {m: d for m, d in mistakes._docs("broadcast_distances").items() if m in ("row_loop", "python_loops")}
    monkeypatch.setattr(mistakes, "_docs", lambda exercise: docs)
    monkeypatch.setattr(mistakes, "_SLOW", set())  # stopped live above; `grader pack` gives each FROZEN_LIMIT
    monkeypatch.setattr(pack, "mutant_signatures",
                        lambda ref, index: mistakes.frozen_signatures(ref, index, "cpu", SEED))
    monkeypatch.setattr(pack, "mutant_observations",
                        lambda ref, index: mistakes.frozen_observations(ref, index, "cpu", SEED))
    assert _told(_json("broadcast_distances", path))["vectorised"] == ("failed", ["broadcast_distances.mistake.row_loop"])


def test_a_mutant_run_outside_the_main_thread_is_stopped_at_its_budget() -> None:
    """A batch or validate grades in threads, where no signal reaches: the thread's own CPU clock stops it."""
    import threading
    import time

    from grader import mistakes

    stopped: list[float] = []

    def spin() -> None:
        started = time.thread_time()
        try:
            with mistakes._deadline(0.2):
                while time.thread_time() - started < 5.0:
                    pass
        except mistakes._TooSlow:
            stopped.append(time.thread_time() - started)

    thread = threading.Thread(target=spin)
    thread.start()
    thread.join()
    assert stopped and stopped[0] < 2.0


def test_a_thread_stopped_at_its_budget_leaves_traced_code_running() -> None:
    """Stopping a thread's mutant run must leave nothing pending in the interpreter: clearing an async
    exception with PyThreadState_SetAsyncExc(ident, NULL) made every later traced frame spin forever (the
    line counter of broadcast_distances' `no_cdist` hung `grader pack` after a batch)."""
    import subprocess
    import sys

    code = """if True:
        import sys, threading, time
        from grader import mistakes

        def spin():
            started = time.thread_time()
            with mistakes._deadline(0.05):
                while time.thread_time() - started < 5.0:
                    pass

        def stopped():
            try:
                spin()
            except mistakes._TooSlow:
                pass

        thread = threading.Thread(target=stopped)
        thread.start()
        thread.join()
        sys.settrace(lambda *a: None)
        (lambda: 1)()
        sys.settrace(None)
        print("traced code ran")
    """
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "traced code ran", done.stderr


def test_a_pack_names_a_raise_and_a_how_check_from_its_signatures(tmp_path: Path) -> None:
    """A pack holds no mutant's code: `grader pack` stores how each mutant raises or fails a how-check."""
    import json

    from grader import bank, pack

    root = tmp_path / "pack"
    pack.build(["builtin:my_linear"], root)
    stored = {c["id"]: c.get("mutant_signatures", {}) for c in
              json.loads((root / "exercises/my_linear/frozen.json").read_text())["checks"]}
    assert stored["forward"]["no_transpose"].startswith("raised RuntimeError: ")
    assert stored["no_linear"]["uses_f_linear"].startswith("failed ")
    bank.use([root])
    try:
        for mutant, check, status in (("no_transpose", "forward", "error"), ("uses_f_linear", "no_linear", "failed")):
            told = _told(_json("pack:my_linear", ROOT / "exercises/my_linear/mutants" / f"{mutant}.py"))
            assert told[check] == (status, [f"my_linear.mistake.{mutant}"])
    finally:
        bank.use([])


def test_a_mutant_that_raises_only_in_float64_is_no_raise() -> None:
    """The grader runs a mutant at the student's dtypes and upcast; only the first is what a student's code does
    (casts_input_float32 meets float64 weights only in the upcast run)."""
    from grader import bank, engine, mistakes
    from grader.sandbox.child import SEED

    index = [c.id for c in bank.get("builtin:my_linear").checks].index("forward")
    engine.reference("builtin:my_linear", index, "cpu", SEED)
    signatures = mistakes.frozen_signatures("builtin:my_linear", index, "cpu", SEED)  # every mutant
    assert signatures["casts_input_float32"] == ""
    assert signatures["no_transpose"].startswith("raised RuntimeError: mat# and mat# shapes cannot be multiplied")
