"""How-checks decided by what the grader reads itself: the static reading's verdict, as a Comparison.

A how-check ("no nn.Linear", "no cdist", "no loop over rows") passes only when the grader's own
reading of the source (grader/static.py) finds neither a forbidden name in the code the check
calls nor anything it cannot follow, *and* the worker's runtime record finds nothing. The record
comes from the student's process, so it can only make the check fail, never pass.
"""

from __future__ import annotations

from collections.abc import Iterable

from grader.compare import Comparison, Mismatch
from grader.spec import Seen
from grader.static import Finding, where

OPAQUE_HINT = "hint.static.opaque"


def unseen() -> Comparison:
    return Comparison(Mismatch(summary=("not_observed", {"what": "the submission's source"})))


def opaque(seen: Seen | None) -> Comparison | None:
    """A failing Comparison for the first construct the grader cannot follow; None if there is none."""
    if seen is None:
        return unseen()
    for finding in seen.reading.opaque:
        return _fail("static.opaque", finding, OPAQUE_HINT)
    return None


def forbidden(seen: Seen | None, leaves: Iterable[str], entry: Iterable[str], hint: str) -> Comparison | None:
    """A failing Comparison for the first forbidden name the checked code uses, or for the first
    opaque construct; None if the static reading finds neither."""
    if seen is None:
        return unseen()
    for finding in seen.reading.forbidden(leaves, entry):
        return _fail("static.forbidden", finding, hint)
    return opaque(seen)


def _fail(message: str, finding: Finding, hint: str) -> Comparison:
    facts = {"construct": finding.construct, **where(finding)}
    return Comparison(Mismatch(summary=(message if finding.cell is None else f"{message}_cell", facts), hint=hint))
