"""Text and JSON with positions, for the JSON and CSV readers (Terraform plan, Packer JSON
templates, PowerShell inventories).

The stdlib `json` module parses in C but reports no positions. This module keeps its speed
and adds positions without a second parser:

* `decode` turns bytes into text the way PowerShell writes them: UTF-8 (with or without a
  BOM), UTF-16 LE/BE with a BOM (Windows PowerShell 5.1's `>`), UTF-16 LE without one.
* `JsonDoc.parse` walks the containers the caller asks for (`descend`) in Python, one member
  at a time, and hands every other value to the C scanner whole. It records the offset of
  each child of a walked container, so a record (a VM object in a 50,000-element array) has
  its start offset at the cost of one C call.
* Positions inside a record are found only when a finding needs them (`LazyWhere`): the
  record's members are walked then, with the same scanner, and the key's offset becomes a
  line and column through `LineIndex` (checkpoints every 8 KB, so one lookup scans at most
  8 KB). Every step is linear and bounded; nothing recurses in Python.

Hostile input: nesting deeper than the interpreter's recursion limit is a RecursionError in
the C scanner (reported by the callers as DM001); integers longer than Python's
int-from-string limit (4300 digits) are retried with a hook that keeps them as `HugeNumber`
text, which the readers report as DM003 where a field holds one.
"""

from __future__ import annotations

import json
import json.scanner
import re

from dmlint.model import Location

_WS_MATCH = re.compile(r"[ \t\n\r]*").match  # one character class, no backtracking
MAX_WALK_DEPTH = 64  # containers walked in Python (the readers descend 10 levels at most)
MAX_NUMBER_DIGITS = 30  # no memory size needs more; a longer number is kept as text (DM003)


class TextError(ValueError):
    """The bytes are not text in any encoding PowerShell writes."""

    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.offset = offset


def is_utf16(data: bytes) -> bool:
    """A UTF-16 byte order mark, or ASCII text with every second byte 0 (UTF-16 LE without one)."""
    return data[:2] in (b"\xff\xfe", b"\xfe\xff") or (len(data) >= 4 and data[1] == 0 and data[3] == 0 and data[0] != 0)


def decode(data: bytes, nul_ok: bool = False) -> tuple[str, str]:
    """bytes -> (text, encoding). Raises TextError naming the byte offset. A NUL character
    is an error too (binary data), unless `nul_ok` (a first look at a file's header)."""
    if data.startswith(b"\xef\xbb\xbf"):
        enc, body = "utf-8", data[3:]
    elif data.startswith(b"\xff\xfe"):
        enc, body = "utf-16-le", data[2:]
    elif data.startswith(b"\xfe\xff"):
        enc, body = "utf-16-be", data[2:]
    elif is_utf16(data):
        enc, body = "utf-16-le", data  # UTF-16 LE without a BOM: ASCII text with every second byte 0
    else:
        enc, body = "utf-8", data
    try:
        text = body.decode(enc)
    except UnicodeDecodeError as exc:
        hint = ""
        if enc == "utf-8":
            hint = " (Windows PowerShell 5.1's Set-Content/Out-File -Encoding Default write the ANSI code page: use -Encoding UTF8)"
        raise TextError(f"not valid {enc.upper()} text: {exc.reason} at byte {exc.start + (len(data) - len(body))}{hint}", exc.start) from None
    if not nul_ok and "\x00" in text:
        raise TextError(f"contains a NUL character at offset {text.index(chr(0))}: binary data, not {enc.upper()} text", text.index("\x00"))
    return text, enc


class HugeNumber(str):
    """An integer literal with more than MAX_NUMBER_DIGITS digits, kept as its text."""


def _guarded_int(text: str):
    if len(text) > MAX_NUMBER_DIGITS:
        return HugeNumber(text)
    return int(text)


_PLAIN = json.scanner.make_scanner(json.JSONDecoder())
_GUARDED = json.scanner.make_scanner(json.JSONDecoder(parse_int=_guarded_int))
_scanstring = json.decoder.scanstring


class LineIndex:
    """Offset -> (line, column), 1-based. Checkpoints every 8 KB: a lookup counts newlines
    in at most 8 KB, whatever the file's size or the order of the lookups."""

    STEP = 8192

    def __init__(self, text: str):
        self.text = text
        lines = [1]
        last_nl = [-1]
        n, prev = 1, -1
        for start in range(self.STEP, len(text) + 1, self.STEP):
            lo = start - self.STEP
            n += text.count("\n", lo, start)
            nl = text.rfind("\n", lo, start)
            if nl >= 0:
                prev = nl
            lines.append(n)
            last_nl.append(prev)
        self._lines = lines
        self._last_nl = last_nl

    def at(self, offset: int) -> tuple[int, int]:
        chunk = offset // self.STEP
        lo = chunk * self.STEP
        text = self.text
        line = self._lines[chunk] + text.count("\n", lo, offset)
        nl = text.rfind("\n", lo, offset)
        if nl < 0:
            nl = self._last_nl[chunk]
        return line, offset - nl


class JsonError(ValueError):
    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.offset = offset


class JsonDoc:
    """One JSON text: its values, the offsets of the children of walked containers, and a
    way to find positions of keys inside any object later."""

    def __init__(self, text: str, display: str):
        self.text = text
        self.display = display
        self.offsets: dict[tuple, int] = {}  # path -> offset of the value
        self.elements: dict[tuple, list] = {}  # path of a flat array -> offsets of its elements
        self._scan = _PLAIN
        self._lines: LineIndex | None = None
        self._last = (0, 1, -1)  # (offset, its line, offset of the last newline before it)
        self._members: dict[int, dict] = {}  # object offset -> {key: offset}, filled on demand

    # -- positions ---------------------------------------------------------------------------
    def location(self, offset: int, key: str | None = None) -> Location:
        last_offset, last_line, last_nl = self._last
        if last_offset <= offset < last_offset + LineIndex.STEP:
            # records come in order: count only the newlines since the previous one
            text = self.text
            line = last_line + text.count("\n", last_offset, offset)
            nl = text.rfind("\n", last_offset, offset)
            if nl < 0:
                nl = last_nl
            self._last = (offset, line, nl)
            return Location(self.display, line, offset - nl, key)
        if self._lines is None:
            self._lines = LineIndex(self.text)
        line, col = self._lines.at(offset)
        self._last = (offset, line, offset - col)
        return Location(self.display, line, col, key)

    def _skip(self, i: int) -> int:
        return _WS_MATCH(self.text, i).end()

    def _value(self, i: int):
        try:
            return self._scan(self.text, i)
        except StopIteration as exc:
            raise JsonError(_expected(self.text, exc.value, "a value"), exc.value) from None
        except json.JSONDecodeError as exc:
            raise JsonError(exc.msg, exc.pos) from None

    # -- parsing -----------------------------------------------------------------------------
    def parse(self, descend=None):
        """Parse the whole text. `descend(path)` says which containers to walk in Python (their
        children's offsets are recorded, see `offset`); the rest is parsed in C. For an array,
        `descend` is asked about its element 0 once, for all of its elements.
        Raises JsonError (with an offset) or RecursionError."""
        try:
            return self._parse(descend)
        except ValueError as exc:
            if isinstance(exc, JsonError) or "digits" not in str(exc):
                raise
        self._scan = _GUARDED  # an integer beyond Python's int-from-string limit: keep it as text
        self.offsets.clear()
        self.elements.clear()
        return self._parse(descend)

    def _parse(self, descend):
        i = self._skip(0)
        if i >= len(self.text):
            raise JsonError("the file is empty: expected a JSON value", i)
        c = self.text[i]
        if descend is not None and c == "[" and descend(()) and not descend((0,)):
            value = []
            i = self._flat_array(i, value, ())
        elif descend is not None and c in "{[" and descend(()):
            value, i = self._walk(i, descend)
        else:
            value, i = self._value(i)
        i = self._skip(i)
        if i != len(self.text):
            raise JsonError("extra data after the JSON value", i)
        return value

    def _walk(self, i: int, descend):
        """Walk the container at `i`, and the descendants `descend` picks, with an explicit
        stack; every other value goes to the C scanner whole."""
        text = self.text
        n = len(text)
        offsets = self.offsets
        root = {} if text[i] == "{" else []
        stack = [[root, (), True]]
        j = i + 1
        while True:
            frame = stack[-1]
            container, cpath, first = frame
            is_obj = type(container) is dict
            close = "}" if is_obj else "]"
            j = self._skip(j)
            if j < n and text[j] == close:
                j += 1
                stack.pop()
                if not stack:
                    return root, j
                continue
            if first:
                frame[2] = False
            else:
                if j >= n or text[j] != ",":
                    raise JsonError(_expected(text, j, f"',' or '{close}'"), j)
                j = self._skip(j + 1)
            if is_obj:
                if j >= n or text[j] != '"':
                    raise JsonError(_expected(text, j, "a property name in double quotes"), j)
                try:
                    key, j = _scanstring(text, j + 1, True)
                except json.JSONDecodeError as exc:
                    raise JsonError(exc.msg, exc.pos) from None
                j = self._skip(j)
                if j >= n or text[j] != ":":
                    raise JsonError(_expected(text, j, "':'"), j)
                j = self._skip(j + 1)
                child_path = cpath + (key,)
            else:
                child_path = cpath + (len(container),)
            if j >= n:
                raise JsonError("unexpected end of the file: expected a value", j)
            offsets[child_path] = j
            c = text[j]
            if (c == "{" or c == "[") and descend(child_path):
                if len(stack) >= MAX_WALK_DEPTH:
                    raise RecursionError("nested too deeply")
                child = {} if c == "{" else []
                if is_obj:
                    container[key] = child
                else:
                    container.append(child)
                if c == "[" and not descend(child_path + (0,)):
                    j = self._flat_array(j, child, child_path)  # a list of records: one C call each
                    continue
                stack.append([child, child_path, True])
                j += 1
                continue
            value, j = self._value(j)
            if is_obj:
                container[key] = value
            else:
                container.append(value)

    def _flat_array(self, i: int, out: list, path: tuple) -> int:
        """The array at `i`, none of whose elements is walked: each element goes to the C
        scanner whole and its offset is kept in `self.elements[path]`. Returns the offset
        after the closing bracket."""
        text = self.text
        n = len(text)
        ws = _WS_MATCH
        scan = self._scan
        starts = self.elements[path] = []
        append, mark = out.append, starts.append
        j = ws(text, i + 1).end()
        if j < n and text[j] == "]":
            return j + 1
        while True:
            if j >= n:
                raise JsonError("unexpected end of the file: expected a value", j)
            mark(j)
            try:
                value, j = scan(text, j)
            except StopIteration as exc:
                raise JsonError(_expected(text, exc.value, "a value"), exc.value) from None
            except json.JSONDecodeError as exc:
                raise JsonError(exc.msg, exc.pos) from None
            append(value)
            j = ws(text, j).end()
            if j < n and text[j] == ",":
                j = ws(text, j + 1).end()
                continue
            if j < n and text[j] == "]":
                return j + 1
            raise JsonError(_expected(text, j, "',' or ']'"), j)

    def offset(self, path: tuple, default: int = 0) -> int:
        """Offset of the value at `path`, for a child of a walked container."""
        if path and type(path[-1]) is int:
            starts = self.elements.get(path[:-1])
            if starts is not None and path[-1] < len(starts):
                return starts[path[-1]]
        return self.offsets.get(path, default)

    # -- positions inside an object, found on demand -----------------------------------------
    def member_offsets(self, start: int) -> dict[str, int]:
        """{key: offset of the key} for the object starting at `start` (first occurrence)."""
        text = self.text
        out: dict[str, int] = {}
        j = self._skip(start + 1)
        if j < len(text) and text[j] == "}":
            return out
        while j < len(text) and text[j] == '"':
            key_at = j
            key, j = _scanstring(text, j + 1, True)
            out.setdefault(key, key_at)
            j = self._skip(j)
            j = self._skip(j + 1)  # ':'
            _, j = self._value(j)
            j = self._skip(j)
            if j >= len(text) or text[j] != ",":
                break
            j = self._skip(j + 1)
        return out

    def key_location(self, start: int, name: str) -> Location:
        """Where property `name` of the object at `start` is written (the object's own position
        if it has no such property); the object's members are walked once, when first asked."""
        cache = self._members
        found = cache.get(start)
        if found is None:
            found = cache[start] = self.member_offsets(start)
        at = found.get(name)
        return self.location(start if at is None else at)

    def member_value_offset(self, start: int, key: str) -> int | None:
        """Offset of the value of `key` in the object starting at `start`."""
        at = self.member_offsets(start).get(key)
        if at is None:
            return None
        _, j = _scanstring(self.text, at + 1, True)
        j = self._skip(j)
        return self._skip(j + 1)


def _expected(text: str, offset: int, what: str) -> str:
    if offset >= len(text):
        return f"unexpected end of the file: expected {what}"
    ch = text[offset]
    shown = repr(ch) if ch.isprintable() else f"U+{ord(ch):04X}"
    return f"expected {what}, found {shown}"


def to_int(value, strings: bool = False):
    """A JSON number (or, with `strings`, a numeric string) that is a whole number, else None."""
    if isinstance(value, bool) or isinstance(value, HugeNumber):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if strings and isinstance(value, str) and 0 < len(value.strip()) <= MAX_NUMBER_DIGITS and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def describe(value) -> str:
    """A short text of a JSON value for messages."""
    from dmlint.wording import show_value

    return show_value(value, "a list", "an object")


class LazyWhere(dict):
    """`VM.where` for a JSON record: field -> Location, each found when first asked for.

    A 50,000-VM inventory would spend most of its reading time finding keys nobody reports
    on; this finds only those a finding (or a consumer) asks for. It behaves as a plain dict:
    every read resolves first, and pickling (for --jobs) hands over a plain dict."""

    __slots__ = ("_pending", "_resolve", "_shared")

    def __init__(self, pending: dict, resolve, shared: bool = False):
        super().__init__()
        self._pending = pending  # field -> what `resolve` takes (a key path)
        self._resolve = resolve
        self._shared = shared  # `pending` is shared with other records: copy before changing it

    def _own(self) -> dict:
        if self._shared:
            self._pending = dict(self._pending)
            self._shared = False
        return self._pending

    def _one(self, name) -> bool:
        pending = self._pending
        if pending and name in pending:
            dict.__setitem__(self, name, self._resolve(self._own().pop(name)))
        return dict.__contains__(self, name)

    def _all(self) -> None:
        pending = self._own() if self._pending else self._pending
        while pending:
            name, what = pending.popitem()
            dict.__setitem__(self, name, self._resolve(what))

    def get(self, name, default=None):
        return dict.__getitem__(self, name) if self._one(name) else default

    def __getitem__(self, name):
        self._one(name)
        return dict.__getitem__(self, name)

    def __contains__(self, name) -> bool:
        return dict.__contains__(self, name) or bool(self._pending and name in self._pending)

    def __setitem__(self, name, value) -> None:
        if self._pending and name in self._pending:
            self._own().pop(name)
        dict.__setitem__(self, name, value)

    def __iter__(self):
        self._all()
        return dict.__iter__(self)

    def __len__(self) -> int:
        return dict.__len__(self) + len(self._pending or ())

    def keys(self):
        self._all()
        return dict.keys(self)

    def items(self):
        self._all()
        return dict.items(self)

    def values(self):
        self._all()
        return dict.values(self)

    def copy(self) -> dict:
        self._all()
        return dict(dict.items(self))

    def __reduce__(self):
        return (dict, (self.copy(),))

    def __repr__(self) -> str:
        self._all()
        return dict.__repr__(self)

    def __eq__(self, other) -> bool:
        self._all()
        return dict.__eq__(self, other)

    __hash__ = None
