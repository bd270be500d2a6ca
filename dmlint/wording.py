"""How messages name the values a user wrote: in the user's terms, never a Python repr.

A mapping is "a mapping", a list "a list", YAML's null and booleans as YAML writes them;
text is quoted. Sizes echo what was written, then MB: "8GB (8192 MB)".
"""

from __future__ import annotations

import difflib

_MAX_TEXT = 60  # a long value is cut: a message names it, it does not reprint it


def show_value(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, (int, float)):
        return str(value)
    text = str(value)
    if len(text) > _MAX_TEXT:
        text = text[:_MAX_TEXT] + "..."
    return repr(text)


def suggest(word: str, choices, cutoff: float = 0.6) -> str | None:
    """The choice `word` most likely meant: case aside first (`VM` -> `vm`), then spelling."""
    lowered = {c.lower(): c for c in choices}
    if word.lower() in lowered:
        return lowered[word.lower()]
    close = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=cutoff)
    return lowered[close[0]] if close else None


def size_text(mb: int, written=None) -> str:
    """'8GB (8192 MB)' when the user wrote 8GB; '8192 MB' when they wrote 8192 or nothing is
    known of what they wrote (records from readers that keep no text)."""
    if isinstance(written, str):
        w = written.strip()
        if w and w.upper().replace(" ", "") not in (f"{mb}MB", f"{mb}MIB", str(mb)):
            return f"{w} ({mb} MB)"
    return f"{mb} MB"


def printable(text: str) -> str:
    """Control characters (a file name can hold an escape sequence) shown escaped, not sent."""
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in str(text))
