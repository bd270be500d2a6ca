"""How messages name the values a user wrote: in the user's terms, never a Python repr.

A mapping is "a mapping", a list "a list", YAML's null and booleans as YAML writes them;
text is quoted. Sizes echo what was written, then MB: "8GB (8192 MB)".
"""

from __future__ import annotations

import difflib

_MAX_TEXT = 60  # a long value is cut: a message names it, it does not reprint it


def show_value(value, list_word: str = "a list", map_word: str = "a mapping") -> str:
    """A value as a message shows it: never a Python repr of a list or mapping (each format
    names them in its own words: JSON's object, HCL's tuple)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return map_word
    if isinstance(value, (list, tuple)):
        return list_word
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


_JSON_TYPES = {"object": "a mapping", "array": "a list", "string": "text", "integer": "a whole number",
               "number": "a number", "boolean": "true or false"}


def type_words(types) -> str:
    """JSON Schema type names in the user's terms: ["integer", "string", "number"] -> "a number or text"."""
    types = [types] if isinstance(types, str) else list(types)
    if "number" in types:  # an integer is a number: say it once, where it comes first
        types = ["number" if t == "integer" else t for t in types]
    return " or ".join(dict.fromkeys(_JSON_TYPES.get(t, t) for t in types))


def schema_error(err) -> str:
    """A jsonschema ValidationError in the user's terms, with "did you mean" where a key or a
    choice is nearly right; never jsonschema's own text (it prints Python reprs)."""
    path = list(err.absolute_path)
    where = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in path).replace(".[", "[")
    at = f"{where}: " if where else ""
    if err.validator == "additionalProperties" and isinstance(err.instance, dict):
        allowed = sorted((err.schema or {}).get("properties", {}))
        parts = []
        for key in err.instance:
            if key in allowed:
                continue
            close = suggest(str(key), allowed)
            hint = f" (did you mean {close!r}?)" if close else f" (known: {', '.join(allowed)})"
            parts.append(f"{at}unknown option {show_value(str(key))}{hint}")
        return "; ".join(parts)
    if err.validator == "enum":
        choices = [str(c) for c in err.validator_value]
        close = suggest(str(err.instance), choices) if isinstance(err.instance, (str, int)) else None
        if close and not isinstance(err.instance, str) and str(err.instance) == close:
            hint = f' (write it as text: "{close}")'
        else:
            hint = f" (did you mean {close!r}?)" if close and close != err.instance else ""
        return f"{at}{show_value(err.instance)} is not one of {', '.join(choices)}{hint}"
    if err.validator == "type":
        return f"{at}{show_value(err.instance)} is not {type_words(err.validator_value)}"
    if err.validator == "minimum":
        return f"{at}{show_value(err.instance)} is below the minimum {err.validator_value}"
    if err.validator == "maximum":
        return f"{at}{show_value(err.instance)} is greater than the maximum of {err.validator_value}"
    if err.validator == "required":
        return f"{at}{err.message.split(' is a required')[0]} is required"
    if err.validator == "anyOf":
        needs = [r for sub in err.validator_value for r in sub.get("required", [])]
        if needs:
            return f"{at}needs one of {', '.join(repr(n) for n in needs)}"
    return f"{at}{show_value(err.instance)} is not valid here ({err.validator})"
