"""The `grader` command: parse, call the API, print, exit with the contract's code."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from grader import api, files
from grader.errors import GraderError
from grader.results import ExitCode

app = typer.Typer(
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
    help="Grades PyTorch exercises: outputs and gradients against a reference, student code isolated.",
)
out = Console()
err = Console(stderr=True)

Lang = Annotated[str, typer.Option("--lang", help="Feedback language: en or ja.")]
CellTimeout = Annotated[Optional[float], typer.Option(
    "--cell-timeout", min=0.1, help="Seconds each notebook cell may run (default 30).")]


@app.command("list")
def list_command() -> None:
    """The exercises, with title and points."""
    exercises = api.list_exercises()
    width = max(len(e.title) for e in exercises)
    for exercise in exercises:
        out.print(f"[bold]{exercise.name:<20}[/bold] {exercise.title:<{width}}  {exercise.max_score:g} points")


@app.command()
def check(
    exercise: Annotated[str, typer.Argument(help="Exercise name, e.g. sq_loss.")],
    file: Annotated[Optional[Path], typer.Option("--file", help="Grade this .py or .ipynb file.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON report, and nothing else, on stdout.")] = False,
    device: Annotated[str, typer.Option("--device", help="cpu or cuda.")] = "cpu",
    lang: Lang = "en",
    cell_timeout: CellTimeout = None,
) -> None:
    """Grade ./exercises/EXERCISE.py (or --file) and show the score and feedback."""
    from grader import report

    result = api.check(exercise, file=file, device=device, cell_timeout=cell_timeout)
    if as_json:
        sys.stdout.write(json.dumps(report.to_json(result, lang), ensure_ascii=False) + "\n")
    else:
        report.render(result, out, lang)
    _exit_now(result.exit_code)


@app.command()
def validate(
    exercises: Annotated[Optional[list[str]], typer.Argument(help="Only these exercises.")] = None,
    alternates: Annotated[Optional[Path], typer.Option(
        "--alternates", help="Folder of correct variants (<exercise>/*.py); default: tests/alternates of a checkout.",
    )] = None,
    workers: Annotated[Optional[int], typer.Option("--workers", help="Files graded at once (default: cores).")] = None,
) -> None:
    """CI: references get full marks, stubs 0 ("not implemented yet"), every mutant loses points."""
    from grader import report, validate as validation

    verdicts = validation.validate(
        exercises, alternates_dir=alternates or validation.default_alternates_dir(), workers=workers,
    )
    report.render_validation(verdicts, out)
    raise typer.Exit(ExitCode.FULL_MARKS if all(v.ok for v in verdicts) else ExitCode.POINTS_LOST)


@app.command()
def init(
    directory: Annotated[Path, typer.Argument(help="Where to create exercises/.")] = Path("."),
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing files.")] = False,
) -> None:
    """Copy the exercise stubs into DIRECTORY/exercises/ to start working."""
    target = directory / "exercises"
    target.mkdir(parents=True, exist_ok=True)
    for stub in sorted(files.stubs_dir().glob("*.py")):
        if stub.name.startswith("_"):
            continue
        destination = target / stub.name
        if destination.exists() and not force:
            err.print(f"kept {destination} (exists; --force overwrites)")
            continue
        shutil.copyfile(stub, destination)
        out.print(f"created {destination}")


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
        err.print(f"grader: {exc}", markup=False, highlight=False, soft_wrap=True)  # one line, however long
        sys.exit(ExitCode.CANNOT_START)
