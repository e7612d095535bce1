"""Every sentence a student reads, by message id, in English and Japanese."""

from __future__ import annotations

import string
from typing import Any

from grader.i18n import en, ja

LANGUAGES = {"en": en.MESSAGES, "ja": ja.MESSAGES}
MISSING = "message_missing"  # what is said where a message id is unknown


def known(message_id: object) -> bool:
    """Whether `message_id` names a message (ids can come from data the student's process sent)."""
    return isinstance(message_id, str) and message_id in en.MESSAGES


def text(message_id: str, lang: str = "en", **params: Any) -> str:
    """The message in `lang` (English where a translation is missing), with its facts filled in.

    Never raises: an unknown id, or facts that do not fit the template, still give a sentence,
    so that one odd result cannot stop a report (or a class's batch) from being written.
    """
    messages = LANGUAGES.get(lang, en.MESSAGES)
    template = messages.get(message_id) or en.MESSAGES.get(message_id)
    if template is None:
        template, params = messages.get(MISSING) or en.MESSAGES[MISSING], {}
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
