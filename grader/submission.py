"""A student's submission as a Python file the sandbox can load: a .py as is, an .ipynb's code cells."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
import tempfile

from grader.errors import GraderError, SubmissionNotFound


@contextmanager
def prepared(path: Path, exercise: str) -> Iterator[Path]:
    """The .py file to load for `path`, which must exist."""
    if not path.is_file():
        raise SubmissionNotFound(str(path), exercise)
    if path.suffix == ".ipynb":
        with tempfile.TemporaryDirectory(prefix="grader-nb-") as folder:
            target = Path(folder) / f"{path.stem}.py"
            target.write_text(notebook_source(path), encoding="utf-8")
            yield target
        return
    if path.suffix != ".py":
        raise GraderError(f"{path}: expected a .py or .ipynb file for exercise '{exercise}'.")
    yield path


def notebook_source(path: Path) -> str:
    """The code cells of a notebook, in order; IPython magics and shell lines are commented out."""
    import nbformat

    try:
        notebook = nbformat.read(str(path), as_version=4)
    except Exception as exc:
        raise GraderError(f"{path}: not a readable Jupyter notebook ({type(exc).__name__}). "
                          "Save it again from Jupyter, or submit a .py file.") from None
    cells = []
    for cell in notebook.cells:
        if cell.get("cell_type") != "code":
            continue
        lines = [f"# {line}" if line.lstrip().startswith(("%", "!")) else line
                 for line in str(cell.get("source", "")).splitlines()]
        cells.append("\n".join(lines))
    return "\n\n".join(cells) + "\n"
