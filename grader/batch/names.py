"""A student's file name: the one rule for feedback files, report links and export folders."""

from __future__ import annotations

import hashlib
import re

MAX_STEM = 64
_UNSAFE = re.compile(r"[^a-z0-9._-]")
_HASHED = re.compile(r"-[0-9a-f]{10}$")
# Windows opens a device for these names, whatever follows their first dot ("con.html").
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])(?=\.|$)")


def student_file_name(student_id: str, suffix: str = "") -> str:
    """A file name for this id, safe everywhere and the same whichever batch the id is in.

    An id that is already a safe lowercase name keeps it (`alice` → `alice.html`). Any other id, or
    one that looks like such a result, gets a hash of the real id (`Alice` → `alice-<hash>.html`), so
    two ids never share a name, on case-insensitive file systems included.
    """
    stem = _UNSAFE.sub("_", student_id.lower()).lstrip(".-")[:MAX_STEM].rstrip(".")  # not hidden, not an option
    stem = _WINDOWS_RESERVED.sub(r"\1_", stem)
    if stem != student_id or not stem or _HASHED.search(stem):
        stem = f"{stem or 'student'}-{_hash(student_id)}"
    return stem + suffix


def _hash(student_id: str) -> str:
    # surrogatepass: an id from a file name that is not UTF-8 holds lone surrogates
    return hashlib.sha256(student_id.encode("utf-8", "surrogatepass")).hexdigest()[:10]
