"""Every sentence a student reads, by message id, in English and Japanese.

The grader's own sentences are in `en.py` and `ja.py`; each exercise brings its own (its title, its
checks' titles, its hints) in its `text.toml`, registered here when the exercise is loaded.
"""

from __future__ import annotations

import os
import string
from collections.abc import Mapping
from typing import Any

from grader.i18n import en, ja

LANGUAGES = {"en": en.MESSAGES, "ja": ja.MESSAGES}
MISSING = "message_missing"  # what is said where a message id is unknown
_EXERCISES: dict[str, dict[str, str]] = {lang: {} for lang in LANGUAGES}  # messages the loaded exercises brought
_OWNERS: dict[str, str] = {}  # message id -> the exercise that brought it


class MessageClash(ValueError):
    """Two exercises bring different sentences under one message id."""


def register(owner: str, messages: dict[str, dict[str, str]]) -> None:
    """Add an exercise's messages ({lang: {id: template}}); MessageClash if another exercise has one of its ids."""
    for lang, by_id in messages.items():
        for message_id, template in by_id.items():
            if message_id in en.MESSAGES:
                raise MessageClash(f"'{message_id}' is one of the grader's own messages")
            holder = _OWNERS.get(message_id, owner)
            if holder != owner and _EXERCISES[lang].get(message_id, template) != template:
                raise MessageClash(f"'{message_id}' is also defined by {holder}")
    for lang, by_id in messages.items():
        _EXERCISES[lang].update(by_id)
        _OWNERS.update(dict.fromkeys(by_id, owner))


def known(message_id: object) -> bool:
    """Whether `message_id` names a message (ids can come from data the student's process sent)."""
    if not isinstance(message_id, str):
        return False
    if message_id not in en.MESSAGES and message_id not in _EXERCISES["en"]:
        _load_owner(message_id)
    return message_id in en.MESSAGES or message_id in _EXERCISES["en"]


def _template(message_id: str, lang: str) -> str | None:
    if message_id not in en.MESSAGES and message_id not in _EXERCISES["en"]:
        _load_owner(message_id)
    for source in (LANGUAGES.get(lang, {}), _EXERCISES.get(lang, {}), en.MESSAGES, _EXERCISES["en"]):
        if message_id in source:
            return source[message_id]
    return None


def _load_owner(message_id: str) -> None:
    """Load the exercise an exercise's message id belongs to (hint.<exercise>.x, <exercise>.x), so that a
    report can be rendered in a process that has not graded that exercise (an export, a test)."""
    parts = message_id.split(".")
    name = parts[1] if parts[0] == "hint" and len(parts) > 2 else parts[0] if len(parts) > 1 else ""
    if not name or name in _TRIED:
        return
    _TRIED.add(name)
    try:
        from grader import bank

        bank.get(name)
    except Exception:  # noqa: BLE001 - no such exercise here: the id stays unknown
        pass


_TRIED: set[str] = set()


def default_language(bank_lang: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The feedback's language where no --lang is given: the bank's (its config's `lang`), else the locale's
    (the first of LC_ALL, LC_MESSAGES, LANG that is set: ja... is Japanese), else English."""
    if bank_lang in LANGUAGES:
        return str(bank_lang)
    env = os.environ if environ is None else environ
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(variable, "")
        if value:
            return "ja" if value.lower().startswith("ja") else "en"
    return "en"


def defined(message_id: str, lang: str) -> str | None:
    """The template of `message_id` in `lang` itself (no English fallback), among the grader's messages and those
    of the exercises loaded so far; None where there is none."""
    return LANGUAGES.get(lang, {}).get(message_id, _EXERCISES.get(lang, {}).get(message_id))


def title_id(exercise: str) -> str:
    """The message id of an exercise's title (registered from its text.toml when it loads)."""
    return f"{exercise}.title"


def check_title_id(exercise: str, check: str) -> str:
    """The message id of a check's title."""
    return f"{exercise}.check.{check}"


def title(exercise: str, lang: str, default: str) -> str:
    """The exercise's title in `lang`. `default` is the title the report stored (English, as the bank's loader
    gives it): it is said as it is in English, and where the exercise is not known here."""
    return _titled(title_id(exercise), lang, default)


def check_title(exercise: str, check: str, lang: str, default: str) -> str:
    """A check's title in `lang`, as `title`."""
    return _titled(check_title_id(exercise, check), lang, default)


def _titled(message_id: str, lang: str, default: str) -> str:
    return default if lang == "en" or lang not in LANGUAGES or not known(message_id) else text(message_id, lang)


def text(message_id: str, lang: str = "en", **params: Any) -> str:
    """The message in `lang` (English where a translation is missing), with its facts filled in.

    Never raises: an unknown id, or facts that do not fit the template, still give a sentence,
    so that one odd result cannot stop a report (or a class's batch) from being written.
    """
    template = _template(message_id, lang)
    if template is None:
        template, params = _template(MISSING, lang) or en.MESSAGES[MISSING], {}
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError, TypeError, AttributeError):
        return _Lenient().vformat(template, (), params)


class _Lenient(string.Formatter):
    """Fills what it can; a missing fact or one of the wrong kind is shown as its bare value."""

    def get_value(self, key: int | str, args: Any, kwargs: Any) -> Any:
        return kwargs.get(key, "") if isinstance(key, str) else ""

    def format_field(self, value: Any, format_spec: str) -> str:
        try:
            return format(value, format_spec)
        except (ValueError, TypeError):
            return str(value)

    def get_field(self, field_name: str, args: Any, kwargs: Any) -> Any:
        try:
            return super().get_field(field_name, args, kwargs)
        except (AttributeError, IndexError, KeyError, TypeError):
            return "", field_name
