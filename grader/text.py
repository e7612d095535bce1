"""Student text made safe to show, and JSON made strict: the two rules at every rendering edge.

What a student's code produces (exception messages, printed output, reprs, file and cell names,
student ids from folder names) may hold terminal escape sequences (ESC [ colours, OSC 0 title
changes, OSC 8 hyperlinks, BEL), C1 controls (U+009B is CSI on some terminals), bidi overrides that
reorder what is shown ("Trojan Source") or lone surrogates that cannot be written as UTF-8.
`printable` shows each of them as a visible escape (`\\x1b`, `\\u202e`), so the text stays
readable and inert wherever it lands: terminal, Markdown, HTML, CSV, XML, JSON. Markup of each
format (rich, Markdown, HTML, CSV formulas) is neutralised by that format's renderer on top.

`dumps` writes strict JSON (RFC 8259: no NaN, no Infinity) that is also safe to print raw.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

# C0 and C1 controls, DEL, bidi controls, line/paragraph separators, BOM, interlinear annotations,
# non-characters and lone surrogates. Newline and tab are kept where text may span lines.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069"
                     "\ufeff\ufff9-\ufffb\ufffe\uffff\ud800-\udfff]")
_UNSAFE_IN_LINES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069"
                              "\ufeff\ufff9-\ufffb\ufffe\uffff\ud800-\udfff]")
# In json.dumps(ensure_ascii=False) output these can only sit inside strings; \u escapes keep the value.
_RAW_IN_JSON = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff\ud800-\udfff]")


def printable(value: object, *, lines: bool = True) -> str:
    """`value` as text with every control or invisible formatting character shown as its escape.

    With `lines` newlines and tabs stay (a message, printed output); otherwise they are escaped
    too (a name, a table cell). A CR-LF becomes a newline; a lone CR, which moves the cursor back
    over what was shown, is escaped. Never raises: an object whose `str()` fails is shown by type.
    The result is a fixed point: `printable(printable(s)) == printable(s)`.
    """
    if type(value) is not str:
        try:
            value = str(value)
        except Exception:  # a hostile __str__
            value = f"<{type(value).__name__} object>"
    text = value.replace("\r\n", "\n") if lines else value
    pattern = _UNSAFE_IN_LINES if lines else _UNSAFE
    return pattern.sub(_escape, text)


_SHORT = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _SHORT:
        return _SHORT[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def finite(value: Any) -> Any:
    """`value` with every non-finite float as a string ("nan", "inf", "-inf") and tuples as lists.

    For values shown to people (the facts of a message): the string says what the value was,
    where JSON's null would only say it is missing. Margins are not shown values; the report
    writes a non-finite margin as null (see `grader.report`).
    """
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, dict):
        return {str(k): finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value


def dumps(value: Any, *, indent: int | None = None) -> str:
    """Strict JSON (`finite` first, then `allow_nan=False`), UTF-8 text safe to print raw.

    Non-ASCII text stays readable; DEL, C1 and bidi controls and lone surrogates inside strings
    are written as \\u escapes, so the text holds no raw control character and can always be
    encoded as UTF-8. Parsing it gives back exactly `finite(value)`.
    """
    text = json.dumps(finite(value), ensure_ascii=False, allow_nan=False, indent=indent)
    return _RAW_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
