"""The Gradescope autograder zip: `setup.sh` installs torchgrader, `run_autograder` grades one submission."""

from __future__ import annotations

import importlib.metadata
import re
import shlex
import zipfile
from pathlib import Path

from grader.errors import BadOption

VENV = "/opt/torchgrader"
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
RUNTIME = ("torch", "torchvision")  # installed first, from the CPU index: Gradescope has no GPU
_SPEC = re.compile(r"[A-Za-z0-9.*+!=<>~, ]+")
_FALLBACK = ("The autograder could not grade this submission (the grader stopped with status %s "
             "before writing results). Please resubmit; if this happens again, tell your instructor.")

SETUP = """\
#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder image (Ubuntu 22.04 or 24.04 base).
set -euo pipefail
cd "$(dirname "$0")"
apt-get update
apt-get install -y --no-install-recommends python3 python3-venv python3-pip
PYTHON=python3
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    # The pinned numpy and torch need Python 3.11 or later; Ubuntu 22.04's python3 is 3.10.
    apt-get install -y --no-install-recommends python3.11 python3.11-venv
    PYTHON=python3.11
fi
"$PYTHON" -m venv {venv}
{venv}/bin/pip install --upgrade pip
# CPU-only PyTorch first, from PyTorch's own index; the pins come from the versions the grader was tested with.
{venv}/bin/pip install --index-url {index} -c constraints.txt {runtime}
{venv}/bin/pip install -c constraints.txt {requirement}
{venv}/bin/grader list  # fails the image build here, not at the first submission, if torch is broken
"""

RUN = """\
#!/usr/bin/env bash
# Gradescope runs this for each submission: grade $ROOT/submission, write $ROOT/results/results.json.
# AUTOGRADER_ROOT, TORCHGRADER_VENV and GRADER_TIME_LIMIT exist for testing this script outside Gradescope.
set -uo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
VENV="${{TORCHGRADER_VENV:-{venv}}}"
TIME_LIMIT="${{GRADER_TIME_LIMIT:-540}}"  # below Gradescope's default 10 minutes, so the fallback below still runs
EXERCISES={exercises}
export PATH="$VENV/bin:$PATH"
OUT="$ROOT/grader-out"
EXPORTED="$OUT/exports/gradescope/submission/results.json"
RESULTS="$ROOT/results/results.json"
mkdir -p "$ROOT/results"
rm -rf "$OUT"
timeout -k 30 "$TIME_LIMIT" grader grade "$ROOT/submission" --student submission --exercises "$EXERCISES" \\
    --out "$OUT" --export gradescope --quiet
status=$?
if [ -s "$EXPORTED" ]; then
    cp "$EXPORTED" "$RESULTS"
else
    # Never leave Gradescope without results.json ("The autograder failed to execute correctly").
    echo "grader exited with status $status and wrote no $EXPORTED" >&2
    printf '{{"score": 0, "output": "{fallback}", "output_format": "text", "tests": []}}\\n' "$status" > "$RESULTS"
fi
"""


def build_bundle(assignment_or_exercises: list[str], out: Path, *, name: str, version_spec: str) -> Path:
    """Write the autograder zip to upload on Gradescope ("Configure Autograder" → "Zip file upload").

    Args:
        assignment_or_exercises: one assignment name, or exercise names.
        out: the zip's path (ending in .zip), or a folder to write `<name>-gradescope.zip` into.
        name: the assignment's name, for the zip's file name.
        version_spec: the torchgrader version to install: "0.1.0", or a specifier such as "==0.1.0".

    Raises:
        BadOption: an unusable version specifier or no exercises; UnknownExercise for a bad name.
    """
    exercises = resolve(assignment_or_exercises)
    if not _SPEC.fullmatch(version_spec.strip()):
        raise BadOption(f"version '{version_spec}': expected a version such as 0.1.0 or a specifier such as ==0.1.0.")
    spec = version_spec.strip()
    requirement = f"torchgrader{'==' if spec[0].isdigit() else ''}{spec}"
    setup = SETUP.format(venv=VENV, index=TORCH_CPU_INDEX, runtime=" ".join(RUNTIME),
                         requirement=shlex.quote(requirement))
    run = RUN.format(venv=VENV, exercises=shlex.quote(",".join(exercises)), fallback=_FALLBACK)
    zip_path = out if out.suffix == ".zip" else out / f"{re.sub(r'[^A-Za-z0-9._-]+', '_', name)}-gradescope.zip"
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        _add(bundle, "setup.sh", setup, executable=True)
        _add(bundle, "run_autograder", run, executable=True)
        _add(bundle, "constraints.txt", constraints())
    return zip_path


def resolve(assignment_or_exercises: list[str]) -> list[str]:
    """One assignment name → its exercises; exercise names → themselves, each checked against the bank."""
    from grader import bank

    names = list(assignment_or_exercises)
    if len(names) == 1 and names[0] in {a.name for _, a in bank.assignments()}:
        names = list(bank.assignment(names[0])[1].exercises)
    if not names:
        raise BadOption("the bundle needs an assignment or a list of exercises.")
    for exercise in names:
        bank.get(exercise)
    return names


def constraints() -> str:
    """Pins for torchgrader's dependencies: the versions installed here, where the grader was tested.

    A local version label (`2.5.1+cu124`) is dropped, so that the pin also matches the CPU build.
    """
    lines = ["# The versions torchgrader was tested with when this bundle was built."]
    try:
        requirements = importlib.metadata.requires("torchgrader") or list(RUNTIME)
    except importlib.metadata.PackageNotFoundError:  # run from a source tree that was never installed
        requirements = list(RUNTIME)
    for requirement in requirements:
        if "extra ==" in requirement:
            continue
        dist = re.split(r"[ <>=!~;\[]", requirement, maxsplit=1)[0]
        try:
            version = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            continue
        lines.append(f"{dist}=={version.split('+', 1)[0]}")
    return "\n".join(lines) + "\n"


def _add(bundle: zipfile.ZipFile, member: str, content: str, *, executable: bool = False) -> None:
    info = zipfile.ZipInfo(member, date_time=(2020, 1, 1, 0, 0, 0))  # fixed: the same input gives the same zip
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (0o100755 if executable else 0o100644) << 16
    bundle.writestr(info, content)
