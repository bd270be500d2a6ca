"""What a checked repository controls (file names, VM and host names, messages that quote them)
must not reach a terminal or a CI log as anything but text. One place for every output.

Human formats (text, the fleet table, `show` table and CSV, the fleet HTML, `explain`,
`rules`, error messages) pass every such string through `human()`:

- every character Python's `str.isprintable()` rejects (C0 and C1 controls, DEL, ESC, line
  and paragraph separators, bidirectional overrides and other format characters, and the
  lone surrogates that stand for undecodable bytes of a file name) is written as an escape:
  `\\n`, `\\r`, `\\t`, `\\xNN`, `\\uNNNN`; a byte of a non-UTF-8 file name as `\\xNN`;
- `##[` becomes `##\\[`: the GitHub runner reads its legacy `##[command]` syntax anywhere in a
  line (actions/runner, ActionCommand.TryParse), not only at the start;
- a value that starts with `::` (after spaces) has its first colon escaped (`\\x3a`): the
  runner reads `::command::` at the start of a line after trimming leading whitespace
  (ActionCommand.TryParseV2), and such a value may begin a line of a table.

Machine formats keep the exact value, escaped in their own syntax so that the decoded string
is unchanged: `json_safe()` writes every non-printable character of serialised JSON (C1
controls, separators, bidi overrides, lone surrogates) as `\\uNNNN` and `##[` as `##\\u005b`;
`xml_safe()` writes them as character references (`&#x2028;`, `##&#91;`). A byte of a non-UTF-8
file name is thus the surrogateescape code point `\\udcNN` in JSON (Python's `os.fsencode`
gives the bytes back); `utf8()` writes it `\\xNN` where a format needs valid Unicode text.
"""

from __future__ import annotations

import re

_NOT_PLAIN = re.compile("[^\n -~]")  # one character class: linear on any input


def _escape_char(c: str) -> str:
    code = ord(c)
    if c == "\n":
        return "\\n"
    if c == "\r":
        return "\\r"
    if c == "\t":
        return "\\t"
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape: the undecodable byte itself
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def printable(text) -> str:
    """Every character str.isprintable() rejects written as an escape (`\\n`, `\\x1b`, `\\u2028`)."""
    s = text if type(text) is str else str(text)
    if s.isprintable():
        return s
    return "".join(c if c.isprintable() else _escape_char(c) for c in s)


def human(text) -> str:
    """`text` made safe for a terminal or a CI log: one line, no control, no workflow command."""
    s = printable(text)
    if "##[" in s:
        s = s.replace("##[", "##\\[")
    if s[:1] in (" ", ":") and s.lstrip(" ").startswith("::"):
        s = s.replace(":", "\\x3a", 1)
    return s


def human_lines(text) -> str:
    """As human(), line by line, for text that is meant to span lines (a rule's documentation)."""
    return "\n".join(human(line) for line in str(text).expandtabs(4).split("\n"))


def human_path(path) -> str:
    """A path at the start of a line: `./` before a relative path that starts with `::` keeps
    it the same path and not a workflow command."""
    p = str(path)
    if p.lstrip(" ").startswith("::"):
        p = "./" + p
    return human(p)


def utf8(text) -> str:
    """`text` without lone surrogates (undecodable file-name bytes become `\\xNN`): encodable as UTF-8."""
    s = text if type(text) is str else str(text)
    if s.isascii():
        return s
    try:
        s.encode("utf-8")
        return s
    except UnicodeEncodeError:
        return "".join(_escape_char(c) if 0xD800 <= ord(c) <= 0xDFFF else c for c in s)


def _json_char(m) -> str:
    c = m.group()
    if c.isprintable():
        return c
    code = ord(c)
    if code > 0xFFFF:  # a UTF-16 surrogate pair, as JSON spells characters beyond the BMP
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def json_safe(serialised: str) -> str:
    """Serialised JSON with non-printable characters as `\\uNNNN` and `##[` as `##\\u005b`.

    Outside strings JSON holds only ASCII punctuation, digits, letters and whitespace, so both
    rewrites fall inside strings, where they decode to the same text."""
    if not serialised.isascii() or "\x7f" in serialised:
        serialised = _NOT_PLAIN.sub(_json_char, serialised)
    return serialised.replace("##[", "##\\u005b") if "##[" in serialised else serialised


def _xml_char(m) -> str:
    c = m.group()
    return c if c.isprintable() else f"&#x{ord(c):x};"


def xml_safe(serialised: str) -> str:
    """Serialised XML with non-printable characters (other than newlines) as character
    references and `##[` as `##&#91;`: both occur only in text and attribute values."""
    if not serialised.isascii() or "\x7f" in serialised:
        serialised = _NOT_PLAIN.sub(_xml_char, serialised)
    return serialised.replace("##[", "##&#91;") if "##[" in serialised else serialised
