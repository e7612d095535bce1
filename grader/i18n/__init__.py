"""Every sentence a student reads, by message id, in English and Japanese."""

from __future__ import annotations

from typing import Any

from grader.i18n import en, ja

LANGUAGES = {"en": en.MESSAGES, "ja": ja.MESSAGES}


def text(message_id: str, lang: str = "en", **params: Any) -> str:
    """The message in `lang` (English where a translation is missing), with its facts filled in."""
    template = LANGUAGES.get(lang, en.MESSAGES).get(message_id) or en.MESSAGES[message_id]
    return template.format(**params)
