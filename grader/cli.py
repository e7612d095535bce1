"""The `grader` command: parse, call the API, print, exit with the contract's code."""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.console import Console
from typer._click.core import Context, Parameter
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

from grader import api
from grader.errors import BadOption, GraderError
from grader.results import ExitCode
from grader.text import dumps, printable


class _Option(TyperOption):
    """An option whose help shows its metavar (`--file FILE`), not typer's type marker (`<path>`, `<bool>`)."""

    def display_type_rich(self, ctx: Context) -> str | None:
        return None if self.is_flag or self.count else self.metavar or (self.name or "value").upper()


class _Argument(TyperArgument):
    """An argument whose help shows its name and help text, not typer's type marker."""

    def display_type_rich(self, ctx: Context) -> str | None:
        return None


class _PlainHelp:
    """A command whose parameters are `_Option` and `_Argument` (the help option included)."""

    def get_params(self, ctx: Context) -> list[Parameter]:
        params: list[Parameter] = super().get_params(ctx)  # type: ignore[misc]
        for param in params:
            if type(param) is TyperOption:
                param.__class__ = _Option
            elif type(param) is TyperArgument:
                param.__class__ = _Argument
        return params


class _Command(_PlainHelp, TyperCommand):
    pass


class _Group(_PlainHelp, TyperGroup):
    pass


app = typer.Typer(
    cls=_Group, no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
    help="Grades PyTorch exercises: outputs and gradients against a reference, student code isolated.",
)
out = Console()
err = Console(stderr=True)

Lang = Annotated[Optional[str], typer.Option(
    "--lang", metavar="LANG", help="Feedback language: en or ja (default: the bank's, else the locale's, else en).")]
Banks = Annotated[Optional[list[Path]], typer.Option(
    "--bank", metavar="DIR", help="Also use the exercise bank in DIR (repeatable); see 'grader list'.")]
CellTimeout = Annotated[Optional[float], typer.Option(
    "--cell-timeout", min=0.1, metavar="SECONDS", help="Seconds each notebook cell may run (default 30).")]
Kernel = Annotated[bool, typer.Option(
    "--kernel", help="Full fidelity: run notebooks in a real Jupyter kernel through nbclient (slower).")]
Device = Annotated[str, typer.Option("--device", metavar="DEVICE", help="cpu or cuda.")]
CanvasId = Annotated[Optional[str], typer.Option(
    "--canvas-assignment-id", metavar="ID",
    help="Canvas: the assignment's number (in its URL); without it Canvas creates a new assignment on import.")]
MoodleId = Annotated[Optional[str], typer.Option(
    "--moodle-item-idnumber", metavar="ID",
    help="Moodle: the grade item's ID number; also writes moodle.xml.")]
Roster = Annotated[Optional[Path], typer.Option(
    "--roster", metavar="CSV",
    help="Canvas, Moodle, LTI: CSV with the columns student,lms_id[,name,email,section,sis_user_id,sis_login_id].")]


def _version(shown: bool) -> None:
    if shown:
        from grader import __version__

        out.print(f"torchgrader {__version__}", markup=False, highlight=False)
        raise typer.Exit(ExitCode.FULL_MARKS)


@app.callback()
def _main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    """Grades PyTorch exercises: outputs and gradients against a reference, student code isolated."""


@contextmanager
def _said_in(lang: str) -> Iterator[None]:
    """A submission that cannot be read is said in the student's language (one line on stderr, exit 2)."""
    from grader.submission import UnreadableSubmission

    try:
        yield
    except UnreadableSubmission as exc:
        raise GraderError(exc.said(lang)) from None


def _use(banks: list[Path] | None) -> None:
    """Grade with the banks given by --bank besides those found (see `grader.bank`)."""
    from grader import bank

    for root in banks or []:
        if not root.is_dir():
            raise BadOption(f"--bank {root}: no such folder.")
    bank.use(banks or [])


@app.command("list", cls=_Command)
def list_command(banks: Banks = None) -> None:
    """The banks, their assignments and exercises, with title and points."""
    from grader import bank, report

    _use(banks)
    report.render_banks(bank.banks(), out)


@app.command(cls=_Command)
def check(
    exercise: Annotated[Optional[str], typer.Argument(
        metavar="EXERCISE", help="Exercise name, e.g. sq_loss (or --assignment).")] = None,
    file: Annotated[Optional[Path], typer.Option("--file", metavar="FILE",
                                                 help="Grade this .py or .ipynb file.")] = None,
    assignment: Annotated[Optional[str], typer.Option(
        "--assignment", metavar="NAME",
        help="Grade every exercise of this assignment: --file on all of them in one run, or without --file each "
             "./exercises/EXERCISE.py (the stubs 'grader init' wrote); one report each, then the total.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON report, and nothing else, on stdout.")] = False,
    device: Device = "cpu",
    lang: Lang = None,
    cell_timeout: CellTimeout = None,
    kernel: Kernel = False,
    banks: Banks = None,
) -> None:
    """Grade ./exercises/EXERCISE.py (or --file) and show the score and feedback; exit 0 only at full marks."""
    from grader import report

    _use(banks)
    if (exercise is None) == (assignment is None):
        raise BadOption("give either an EXERCISE (grader check sq_loss) or --assignment NAME.")
    if assignment is not None:
        lang = api.language(lang, assignment=assignment)
        with _said_in(lang):
            graded = api.check_assignment(assignment, file=file, device=device, cell_timeout=cell_timeout,
                                          kernel=kernel)
        if as_json:
            sys.stdout.write(dumps(report.assignment_json(graded, lang)) + "\n")
        else:
            report.render_assignment(graded, out, lang)
        _exit_now(graded.exit_code)
    assert exercise is not None
    lang = api.language(lang, exercises=[exercise])
    with _said_in(lang):
        result = api.check(exercise, file=file, device=device, cell_timeout=cell_timeout, kernel=kernel)
    if as_json:
        sys.stdout.write(dumps(report.to_json(result, lang)) + "\n")  # strict JSON, safe to print raw
    else:
        report.render(result, out, lang)
    _exit_now(result.exit_code)


@app.command(cls=_Command)
def validate(
    exercises: Annotated[Optional[list[str]], typer.Argument(
        metavar="EXERCISES", help="Only these exercises (default: every exercise of the --bank banks, or of all).")] = None,
    banks: Banks = None,
    workers: Annotated[Optional[int], typer.Option("--workers", metavar="N",
                                                   help="Files graded at once (default: cores).")] = None,
    repeat: Annotated[int, typer.Option(
        "--repeat", metavar="N", min=1,
        help="Grade everything N times, over seeds and thread counts, and list the checks whose verdict "
             "changes or whose margin on a correct file comes near its tolerance (flaky).")] = 1,
) -> None:
    """CI: references get full marks, stubs 0 ("not implemented yet"), mutants lose points, alternates full marks."""
    from grader import bank, report, validate as validation

    _use(banks)
    if not exercises and banks:
        chosen = {root.resolve() for root in banks}
        exercises = [f"{b.name}:{name}" for b in bank.banks() if b.root in chosen and b.problem is None
                     for name in b.exercise_names()]
        broken = [b.problem for b in bank.banks() if b.root in chosen and b.problem is not None]
        if broken:
            raise BadOption(" ".join(p for p in broken if p))
    runs = [(conditions, validation.validate(exercises, workers=workers, conditions=conditions))
            for conditions in validation.rounds(repeat)]
    verdicts = [verdict for _, round_verdicts in runs for verdict in round_verdicts]
    report.render_validation(runs[0][1], out)
    flaky = validation.flaky(runs) if repeat > 1 else []
    if repeat > 1:
        report.render_flaky(flaky, repeat, out)
    raise typer.Exit(ExitCode.FULL_MARKS if all(v.ok for v in verdicts) and not flaky else ExitCode.POINTS_LOST)


@app.command(cls=_Command)
def grade(
    submissions: Annotated[Path, typer.Argument(
        metavar="SUBMISSIONS", help="Folder: one notebook or .py per student, or one folder each.")],
    out_dir: Annotated[Path, typer.Option("--out", metavar="DIR", help="Where the gradebook, reports and exports go.")],
    assignment: Annotated[Optional[str], typer.Option("--assignment", metavar="NAME",
                                                      help="A named set of exercises.")] = None,
    exercises: Annotated[Optional[str], typer.Option("--exercises", metavar="a,b,c",
                                                     help="Or: these exercises.")] = None,
    workers: Annotated[Optional[int], typer.Option("--workers", min=1, metavar="N",
                                                   help="Submissions at once (default: cores).")] = None,
    scheduler: Annotated[Optional[str], typer.Option("--scheduler", metavar="ADDRESS",
                                                     help="Grade on this Dask scheduler (tcp://host:8786).")] = None,
    regrade: Annotated[bool, typer.Option("--regrade", help="Grade again what the gradebook already has.")] = False,
    export: Annotated[Optional[list[str]], typer.Option("--export", metavar="FORMAT",
                                                        help="Also write this LMS format (repeatable).")] = None,
    student: Annotated[Optional[str], typer.Option("--student", metavar="ID",
                                                   help="SUBMISSIONS is this one student's folder.")] = None,
    title: Annotated[str, typer.Option("--title", metavar="TITLE",
                                       help="Title of the report and LMS column (default: the assignment's).")] = "",
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar; one line per student, for logs.")] = False,
    device: Device = "cpu",
    cell_timeout: CellTimeout = None,
    kernel: Kernel = False,
    lang: Lang = None,
    canvas_assignment_id: CanvasId = None,
    moodle_item_idnumber: MoodleId = None,
    roster: Roster = None,
    banks: Banks = None,
) -> None:
    """Grade a class's submissions in parallel into OUT: gradebook, per-student reports, report.html."""
    from grader import bank, exports
    from grader.batch import progress
    from grader.batch.grading import Settings
    from grader.batch.run import Plan, grade_class
    from grader.exports import FORMATS
    from grader.sandbox.runner import CELL_TIMEOUT

    _use(banks)
    names = _exercise_names(assignment, exercises)
    lang = api.language(lang, exercises=names, assignment=assignment)
    for fmt in export or []:
        if fmt not in FORMATS:
            raise BadOption(f"--export {fmt}: no such format. Known: {', '.join(FORMATS)}.")
    if student is not None and (not student.strip() or "/" in student or student.startswith(".")):
        raise BadOption(f"--student {student!r}: use a plain id (no '/', not starting with '.').")
    plan = Plan(
        submissions=submissions, exercises=names, out=out_dir, title=title, assignment=assignment or "",
        settings=Settings(device=api.check_device(device), cell_timeout=cell_timeout or CELL_TIMEOUT, kernel=kernel,
                          banks=bank.roots()),
        workers=workers or os.cpu_count() or 1, scheduler=scheduler, regrade=regrade, lang=lang,
        student=student, exports=tuple(export or ()),
        export_options=exports.ExportOptions(  # the roster is read now: a bad one stops the run before grading
            canvas_assignment_id=canvas_assignment_id, moodle_item_idnumber=moodle_item_idnumber,
            roster=exports.read_roster(roster) if roster else None, lang=lang),
    )
    with progress.shown(err, quiet=quiet) as listener:
        summary = grade_class(plan, listener)
    progress.print_summary(summary, plan, out)
    raise typer.Exit(ExitCode.POINTS_LOST if summary.errors or summary.problems else ExitCode.FULL_MARKS)


@app.command("export", cls=_Command)
def export_command(
    directory: Annotated[Path, typer.Argument(metavar="DIR", help="The --out folder of a `grader grade` run.")],
    fmt: Annotated[str, typer.Option("--format", metavar="FORMAT",
                                     help="gradescope, canvas, moodle, lti-ags, prairielearn, junit or csv.")],
    out_dir: Annotated[Optional[Path], typer.Option("--out", metavar="DIR",
                                                    help="Where to write (default DIR/exports/FORMAT).")] = None,
    canvas_assignment_id: CanvasId = None,
    moodle_item_idnumber: MoodleId = None,
    roster: Roster = None,
    lang: Annotated[Optional[str], typer.Option(
        "--lang", metavar="LANG", help="Language of the labels: en or ja (default: the grading run's).")] = None,
) -> None:
    """Write a graded batch in an LMS's (or CI's) import format."""
    from grader import exports
    from grader.batch.run import PLAN_FILE

    if lang is not None:
        api.language(lang)
    students = exports.load_students(directory)
    plan = json.loads((directory / PLAN_FILE).read_text()) if (directory / PLAN_FILE).is_file() else {}
    names = plan.get("exercises") or list(dict.fromkeys(e["exercise"] for s in students for e in s["exercises"]))
    options = exports.ExportOptions(
        canvas_assignment_id=canvas_assignment_id, moodle_item_idnumber=moodle_item_idnumber,
        roster=exports.read_roster(roster) if roster else None, lang=lang or plan.get("lang") or api.language(None))
    written = exports.export(students, fmt, out_dir or directory / "exports" / fmt, exercises=names,
                             assignment=plan.get("assignment", ""), title=plan.get("title", ""), options=options)
    for path in written:
        out.print(str(path), markup=False, highlight=False)


@app.command("gradescope-bundle", cls=_Command)
def gradescope_bundle(
    name: Annotated[str, typer.Argument(metavar="NAME", help="An assignment name, or exercises a,b,c.")],
    zip_path: Annotated[Path, typer.Option("--out", metavar="ZIP", help="The zip to write.")] = Path("autograder.zip"),
) -> None:
    """A Gradescope autograder zip (setup.sh + run_autograder) that grades NAME with this grader."""
    from grader import __version__
    from grader.exports.gradescope_bundle import build_bundle

    path = build_bundle(name.split(","), zip_path, name=name, version_spec=f"=={__version__}")
    out.print(f"wrote {path}", markup=False, highlight=False)


def _exercise_names(assignment: str | None, exercises: str | None) -> tuple[str, ...]:
    from grader import bank

    if (assignment is None) == (exercises is None):
        raise BadOption("give either --assignment NAME or --exercises a,b,c.")
    if assignment is not None:
        where, found = bank.assignment(assignment)
        return tuple(f"{where.name}:{name}" if not where.builtin and name in where.exercise_names() else name
                     for name in found.exercises)
    names = tuple(dict.fromkeys(n.strip() for n in (exercises or "").split(",") if n.strip()))
    if not names:
        raise BadOption("--exercises: name at least one exercise, e.g. --exercises sq_loss,simple_graph.")
    for name in names:
        bank.get(name)  # UnknownExercise, with close matches
    return names


@app.command("pack", cls=_Command)
def pack_command(
    exercises: Annotated[Optional[list[str]], typer.Argument(
        metavar="EXERCISES", help="Only these exercises (default: every exercise of the --bank bank, or the built-in bank).")] = None,
    out_dir: Annotated[Path, typer.Option("--out", metavar="DIR", help="The pack folder to write (replaced).")] = Path("pack"),
    banks: Banks = None,
) -> None:
    """Freeze a bank for students: stubs, checks and the references' results as data, no solutions' source."""
    from grader import bank, pack

    _use(banks)
    if not exercises:
        chosen = {root.resolve() for root in banks or []}
        source = [b for b in bank.banks() if (b.root in chosen if chosen else b.builtin)]
        broken = [b.problem for b in source if b.problem is not None]
        if broken:
            raise BadOption(" ".join(p for p in broken if p))
        exercises = [f"{b.name}:{name}" for b in source for name in b.exercise_names()]
    packed = pack.build(exercises, out_dir)
    if (out_dir / "exercises").is_dir():
        out.print(f"packed {len(packed)} exercises into {out_dir}: {', '.join(packed)}", markup=False, highlight=False)
        out.print(f"students install it with: pip install {out_dir}", markup=False, highlight=False)
    else:  # the built-in bank's own pack: the frozen data beside each exercise's checks, carried by the wheel
        out.print(f"froze {len(packed)} exercises beside their checks (exercises/<name>/frozen.*, mistakes.*): "
                  f"{', '.join(packed)}; the wheel carries them as {out_dir}", markup=False, highlight=False)


@app.command(cls=_Command)
def init(
    directory: Annotated[Path, typer.Argument(metavar="DIRECTORY", help="Where to create exercises/.")] = Path("."),
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing files.")] = False,
    banks: Banks = None,
) -> None:
    """Copy the exercise stubs into DIRECTORY/exercises/ to start working."""
    from grader import bank

    _use(banks)
    target = directory / "exercises"
    target.mkdir(parents=True, exist_ok=True)
    for ref in bank.names():
        where, name = bank.locate(ref)
        stub = where.stub(name)
        destination = target / stub.name
        if destination.exists() and not force:
            err.print(f"kept {destination} (exists; --force overwrites)")
            continue
        shutil.copyfile(stub, destination)
        out.print(f"created {destination}")


@app.command("new", cls=_Command)
def new_command(
    name: Annotated[str, typer.Argument(metavar="NAME", help="The new exercise's name, e.g. my_relu.")],
    bank_dir: Annotated[Optional[Path], typer.Option(
        "--bank", metavar="DIR",
        help="The bank to add it to (default: the nearest torchgrader.toml above here); "
             "a folder without one becomes a new bank.")] = None,
) -> None:
    """Write a new exercise (stub, reference, checks, text, a mutant, an alternate) and validate it."""
    from grader import bank, report, scaffold, validate as validation

    made = scaffold.new(name, bank_dir)
    for path in made.files:
        out.print(f"created {scaffold.shown(path)}", markup=False, highlight=False)
    bank.use([made.root])
    verdicts = validation.validate([f"{made.bank}:{name}"])
    report.render_validation(verdicts, out)
    for line in scaffold.next_steps(made, name):
        out.print(line, markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(ExitCode.FULL_MARKS if all(v.ok for v in verdicts) else ExitCode.POINTS_LOST)


def _exit_now(code: int) -> None:
    """Exit without the interpreter's teardown (~0.3 s with torch loaded): the report is out, the
    sandbox's workers and folders are already gone, and the forkserver ends when we do."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(int(code))


def main() -> None:
    """Entry point: every grader error is one line on stderr and exit code 2, never a traceback."""
    try:
        app()
    except GraderError as exc:
        # One line, however long; a file name or id in it is shown, never obeyed (escape sequences).
        err.print(f"grader: {printable(exc, lines=False)}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(ExitCode.CANNOT_START)
