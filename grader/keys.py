"""Observation keys: what a probe called, as data, said in the student's language.

A probe's observations are keyed by what was called. `call(message_id, **facts)` makes such a key: a
message id and its facts, held as JSON in a string so that it travels as a dict key and is compared as
one. `said(key, lang)` puts it in words; a fact that is itself a key is said too, and a list of shapes
(`shapes(...)`) reads "(4, 1) and (5,)". A key that is not made by `call` is shown as it is.
"""

from __future__ import annotations

import json
from typing import Any

GRADIENT = "call.gradient"  # "gradient w.r.t. {name} of {of}"
AFTER = "call.after"  # "{name} after {of}": an input as the call left it
LIST = "call.list"  # "{items}": several keys, said one after the other


def call(message_id: str, **facts: Any) -> str:
    """The key of one observation: what was called (`message_id`, e.g. "sq_loss.call.results") and its facts.

    A tuple fact (betas=(0.9, 0.999)) is held as it reads in Python, "(0.9, 0.999)": JSON would make it a list.
    """
    facts = {name: str(value) if isinstance(value, tuple) else value for name, value in facts.items()}
    return json.dumps([message_id, facts], ensure_ascii=False, sort_keys=True)


def gradient(name: str, of: str) -> str:
    """The key of the gradient that reached `name` (e.g. "y_prediction") from the call keyed `of`."""
    return call(GRADIENT, name=name, of=of)


def after(name: str, of: str) -> str:
    """The key of the input `name` (e.g. "y_true") as the call keyed `of` left it."""
    return call(AFTER, name=name, of=of)


def listing(items: list[str]) -> str:
    """One key for several (e.g. the loops found in a student's code), said separated by commas."""
    return call(LIST, items=list(items))


def shapes(*tensors: Any) -> list[list[int]]:
    """The inputs' shapes, as a fact of a key."""
    return [list(t.shape) for t in tensors]


def parse(key: object) -> tuple[str, dict[str, Any]] | None:
    """(message id, facts) of a key made by `call`; None for any other value."""
    if not isinstance(key, str) or not key.startswith('["'):
        return None
    try:
        value = json.loads(key)
    except ValueError:
        return None
    if (isinstance(value, list) and len(value) == 2 and isinstance(value[0], str)
            and isinstance(value[1], dict)):
        return value[0], value[1]
    return None


def is_gradient(key: str) -> bool:
    """Whether `key` was made by `gradient`."""
    parsed = parse(key)
    return parsed is not None and parsed[0] == GRADIENT


def gradient_name(key: str) -> str:
    """The name a gradient key is about ("y_prediction"), for "no gradient reached y_prediction"."""
    parsed = parse(key)
    return str(parsed[1].get("name", "")) if parsed else str(key)


def said(key: object, lang: str = "en", depth: int = 0) -> str:
    """The key in words, in `lang` (a key not made by `call`: as it is)."""
    from grader.i18n import text

    parsed = parse(key) if depth < 4 else None
    if parsed is None:
        return str(key)
    message_id, facts = parsed
    words = {name: _fact(value, lang, depth) for name, value in facts.items()}
    return text(message_id, lang, **words)


def _fact(value: Any, lang: str, depth: int) -> Any:
    from grader.i18n import text

    if isinstance(value, str) and parse(value):
        return said(value, lang, depth + 1)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return ", ".join(said(v, lang, depth + 1) for v in value)
    if isinstance(value, list) and value and all(isinstance(v, list) for v in value):
        parts = [str(tuple(v)) for v in value]
        return parts[0] if len(parts) == 1 else text("call.and", lang).join(
            [", ".join(parts[:-1]), parts[-1]])
    return value
