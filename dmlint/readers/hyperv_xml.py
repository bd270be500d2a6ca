"""Hyper-V XML configuration files (SPEC §2.2): bytes -> one VM record, or DM001-DM003.

Windows Server 2008 R2 - 2012 R2 keep a VM's configuration in `Virtual Machines/<GUID>.xml`;
Packer writes a reduced `box.xml` beside a 2016+ VMCX export. The root is `<configuration>`
with `properties` and `settings` children (research/hyperv-facts.md §1); every leaf carries a
`type` attribute (integer, bool/boolean, string, bytes). Any other XML file (a .NET
`app.config` whose root is also `configuration`, a Maven `pom.xml`, an unattend file) is not
ours and is skipped silently.

Encoding. The bytes decide, not the declaration: a byte-order mark (UTF-8, UTF-16, UTF-32);
else the NUL pattern of UTF-16 without a BOM; else UTF-8; else, for a declaration naming a
single-byte code page, that code page. Real exports re-encoded by git or an editor declare
UTF-16 but hold single-byte text (the packer-templates sample), so a parser that trusts the
declaration fails on them. The text is re-encoded as UTF-8 with the declaration rewritten to
match, on the same line, so line numbers stay those of the file.

Safety. lxml parses with entity resolution, DTD loading and validation, and network access
off, and without `huge_tree` (libxml2's limits on depth and text size stay on). Any DOCTYPE
is refused (DM001): Hyper-V never writes one, and it is how entity-expansion bombs and
external-entity reads arrive. It is found as libxml2 finds it (a parser target whose
doctype() callback stops the parse before the internal subset is read), never by a
substring search that a decoy in a comment defeats; and every parser carries a resolver that
answers each external load with nothing, so libxml2 never opens a local file (`no_network`
only keeps it off the network). The reader never raises: every failure is a Problem.

Locations point at the element holding the value: its line (lxml's `sourceline`) and the
column of its `<` on that line.
"""

from __future__ import annotations

import codecs
import re

from lxml import etree

from dmlint.model import Location, ParseResult, Problem
from dmlint.readers.hyperv_config import int_text, vm_from_values


_PARSER_OPTIONS = dict(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_blank_text=False,
    collect_ids=False,
)
_parser = None


def _get_parser():
    """The parser, with a resolver that denies every external load: whatever reaches libxml2,
    it never opens a local file (`no_network` only keeps it off the network)."""
    global _parser
    if _parser is None:
        _parser = etree.XMLParser(**_PARSER_OPTIONS)
        _parser.resolvers.add(_DENY)
    return _parser


def _parse(text: bytes):
    """lxml's parse with every external load denied (and recorded in _DENY.asked)."""
    _DENY.asked.clear()
    return etree.fromstring(text, _get_parser())


_DECL = re.compile(rb"^\s*<\?xml[^>]{0,300}?\?>")
_DECL_ENCODING = re.compile(rb"""(\bencoding\s*=\s*)(["'])([A-Za-z0-9._:-]{1,40})\2""")
_UTF8_NAMES = {"utf-8", "utf8"}
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# the elements read, relative to configuration (hyperv_config documents what they mean)
_TOP = frozenset({"properties", "settings", "notes"})
_PROPERTIES = frozenset({"name", "subtype", "version", "notes", "highly_available"})
_BANK = frozenset({"dynamic_memory_enabled", "size", "reservation", "limit", "target_memory_buffer", "priority"})


def _child(parent, tag: str):
    for el in parent:
        if el.tag == tag:
            return el
    return None

_TYPES_INT = {"integer", "int", "uint", "uint32", "uint64", "int32", "int64"}
_TYPES_BOOL = {"bool", "boolean"}


class _Refused(Exception):
    def __init__(self, message: str, line: int = 1, column: int = 1):
        super().__init__(message)
        self.line = line
        self.column = column


def _declared_encoding(head: bytes) -> str | None:
    m = _DECL.match(head)
    if not m:
        return None
    e = _DECL_ENCODING.search(m.group(0))
    return e.group(3).decode("ascii").lower() if e else None


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 without a BOM: markup is ASCII, so every other byte of the start is NUL."""
    head = data[:256]
    if len(head) < 4:
        return None
    even = head[0::2].count(0)
    odd = head[1::2].count(0)
    half = len(head) // 2
    if odd >= half * 0.6 and even == 0:
        return "utf-16-le"
    if even >= half * 0.6 and odd == 0:
        return "utf-16-be"
    return None


def _line_col_of(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    start = data.rfind(b"\n", 0, offset) + 1
    return line, offset - start + 1


def _to_utf8(data: bytes) -> bytes:
    """The document as UTF-8 bytes whose declaration (if any) says UTF-8. Raises _Refused."""
    encoding = None
    body = data
    for bom, name in _BOMS:
        if data.startswith(bom):
            encoding, body = name, data[len(bom):]
            break
    if encoding is None:
        encoding = _utf16_without_bom(data)
    if encoding == "utf-8":
        text_bytes = body
        try:
            text_bytes.decode("utf-8")
        except UnicodeDecodeError as exc:
            line, col = _line_col_of(body, exc.start)
            raise _Refused(f"not valid UTF-8 text: byte 0x{body[exc.start]:02x} at offset {exc.start + 3} (the file starts with a UTF-8 byte-order mark)", line, col) from None
    elif encoding is not None:
        try:
            text = body.decode(encoding)
        except UnicodeDecodeError as exc:
            raise _Refused(f"not valid {encoding.upper()} text: {exc.reason} at byte {exc.start + len(data) - len(body)}", 1, 1) from None
        text_bytes = text.encode("utf-8", "surrogatepass")
    else:
        # no BOM and no NUL pattern: UTF-8 if it decodes (ASCII files declaring UTF-16 included),
        # else the single-byte code page the declaration names
        declared = _declared_encoding(data[:400])
        try:
            data.decode("utf-8")
            text_bytes = data
        except UnicodeDecodeError as exc:
            fallback = None
            if declared and declared not in _UTF8_NAMES and not declared.startswith(("utf-16", "utf-32", "ucs", "utf16", "utf32")):
                try:
                    if codecs.lookup(declared).name not in ("utf-8", "utf-16", "utf-32"):
                        fallback = declared
                except LookupError:
                    fallback = None
            if fallback is None:
                line, col = _line_col_of(data, exc.start)
                what = f", although it declares {declared.upper()}" if declared else ""
                raise _Refused(
                    f"not valid text: byte 0x{data[exc.start]:02x} at offset {exc.start} is not UTF-8 and the file has no UTF-16 byte-order mark{what}",
                    line,
                    col,
                ) from None
            try:
                text_bytes = data.decode(fallback).encode("utf-8")
            except (UnicodeDecodeError, LookupError) as exc2:
                raise _Refused(f"not valid {fallback.upper()} text: {exc2}", 1, 1) from None
    # the declaration now has to name UTF-8 (or nothing), on the same line
    m = _DECL.match(text_bytes)
    if m:
        decl = m.group(0)
        e = _DECL_ENCODING.search(decl)
        if e and e.group(3).lower().decode("ascii") not in _UTF8_NAMES:
            new_decl = decl[: e.start()] + e.group(1) + b'"UTF-8"' + decl[e.end():]
            text_bytes = new_decl + text_bytes[m.end():]
    return text_bytes


class _DenyLoads(etree.Resolver):
    """Every external load libxml2 asks for (DTD, external entity, XInclude) gets an empty
    document instead of the file or URL, and is remembered so the file can be refused."""

    def __init__(self):
        super().__init__()
        self.asked: list[str] = []

    def resolve(self, url, pubid, context):
        if len(self.asked) < 8:
            self.asked.append(str(url or pubid or "?"))
        return self.resolve_string("", context)


_DENY = _DenyLoads()


class _DoctypeSeen(Exception):
    pass


class _DoctypeProbe:
    """Parser target: libxml2 calls doctype() as soon as it has read `<!DOCTYPE name ExternalID`,
    before the internal subset or any external subset is touched; raising there stops it."""

    def doctype(self, *args):
        raise _DoctypeSeen()

    def close(self):
        return None


_WS = re.compile(rb"[ \t\r\n]*")


def _doctype_offset(text: bytes) -> int:
    """Offset of the DOCTYPE in the prolog (XMLDecl? Misc* doctypedecl), walked as libxml2
    walks it: blanks, processing instructions and comments, then `<!DOCTYPE`. Used only to
    place the finding; 0 when the walk does not reach one within a bounded number of steps."""
    i = 0
    for _ in range(10000):
        i = _WS.match(text, i).end()
        if text.startswith(b"<?", i):
            end = text.find(b"?>", i + 2)
        elif text.startswith(b"<!--", i):
            end = text.find(b"-->", i + 4)
            end = end + 1 if end >= 0 else end
        elif text.startswith(b"<!DOCTYPE", i):
            return i
        else:
            return 0
        if end < 0:
            return 0
        i = end + 2
    return 0


def _refuse_dtd(text: bytes) -> None:
    """Refuse any DOCTYPE, as libxml2 itself sees it (not a substring search, which a DOCTYPE
    in a comment, PI or CDATA section fools). Without the bytes `<!DOCTYPE` there is none to
    see. Otherwise the text is parsed with a target whose doctype() callback stops the parse
    before libxml2 reads the internal subset, with every external load denied."""
    if b"<!DOCTYPE" not in text:
        return
    deny = _DenyLoads()
    probe = etree.XMLParser(target=_DoctypeProbe(), resolve_entities=False, no_network=True, load_dtd=False,
                            dtd_validation=False, huge_tree=False)
    probe.resolvers.add(deny)
    seen = False
    try:
        etree.fromstring(text, probe)
    except _DoctypeSeen:
        seen = True
    except Exception:  # a syntax error before any DOCTYPE: the real parse reports it
        seen = False
    if seen or deny.asked:
        line, col = _line_col_of(text, _doctype_offset(text))
        raise _Refused(_DOCTYPE_REFUSED, line, col)


_NO_DTD = (
    "Hyper-V configuration files have no DOCTYPE, and a DTD is how entity-expansion bombs "
    "and external-entity reads of local files arrive"
)
_DOCTYPE_REFUSED = f"refused: the DOCTYPE is not read; {_NO_DTD}"


MAX_TOLERATED_COMMENTS = 10_000


def _tolerate_comments(text: bytes) -> bytes:
    """Neutralise `--` inside comments, keeping every line and column where it was.

    XML forbids `--` in a comment, but SPEC §4's suppression comment is written
    `<!-- dmlint: disable=DM105 -- reason -->`; rejecting the file for it would turn a
    suppression into a DM001. Each `--` inside a comment body becomes `- `.
    A scan with find(): linear in the text, whatever it holds (an unclosed `<!--` ends it).
    When every `--` is part of a `<!--` or `-->` there is nothing to do (counted in C); else
    the walk stops after MAX_TOLERATED_COMMENTS comments, far more suppression comments than
    a VM's file holds (Hyper-V writes none), so a hostile file cannot keep it busy: a `--`
    past that point is reported by libxml2 as the syntax error it is.
    """
    if text.count(b"--") == text.count(b"<!--") + text.count(b"-->") and b"--->" not in text:
        return text
    out = []
    copied = pos = 0
    for _ in range(MAX_TOLERATED_COMMENTS):
        start = text.find(b"<!--", pos)
        if start < 0:
            break
        end = text.find(b"-->", start + 4)
        if end < 0:
            break
        body = text[start + 4:end]
        if b"--" in body or body.endswith(b"-"):
            body = body.replace(b"--", b"- ")
            if body.endswith(b"-"):
                body = body[:-1] + b" "
            out.append(text[copied:start + 4])
            out.append(body)
            copied = end
        pos = end + 3
    if not out:
        return text
    out.append(text[copied:])
    return b"".join(out)


def _decode_value(el) -> object:
    text = el.text
    if text is None:
        text = ""
    kind = (el.get("type") or "").strip().lower()
    if kind in _TYPES_INT:
        number = int_text(text)
        return text if number is None else number  # vm_from_values reports DM002 naming the text
    if kind in _TYPES_BOOL:
        low = text.strip().lower()
        if low == "true":
            return True
        if low == "false":
            return False
        return text
    return text


_NEEDLES: dict[str, bytes] = {}  # tag -> b"<tag" (the few tags read, cached)


class _Columns:
    """Column of an element's `<` on its line (lxml gives lines only).

    Elements are asked for in document order, so a cursor (the start of a line and its
    number) walks forward through the parsed bytes. A near line is reached newline by
    newline; a far one (past the manifest) by searching for `<tag` and counting the
    newlines passed, accepting a hit only on the element's own line. No split of the whole
    file, no scan from the top for every element. Anything unexpected gives column 1."""

    FAR = 8

    def __init__(self, text: bytes):
        self.text = text
        self.pos = 0  # offset of the start of line `line`
        self.line = 1

    def column(self, line: int, tag: str) -> int:
        if line <= 0:
            return 0
        text = self.text
        if line < self.line:  # out of order (not expected): restart from the top
            self.pos, self.line = 0, 1
        needle = _NEEDLES.get(tag)
        if needle is None:
            needle = b"<" + tag.encode("utf-8", "replace")
            if len(_NEEDLES) < 256:
                _NEEDLES[tag] = needle
        pos, cur = self.pos, self.line
        if line - cur <= self.FAR:
            while cur < line:
                nl = text.find(b"\n", pos)
                if nl < 0:
                    return 1
                pos, cur = nl + 1, cur + 1
        else:
            search = pos
            for _ in range(64):  # the same tag may occur earlier (a <name> in the manifest)
                idx = text.find(needle, search)
                if idx < 0:
                    return 1
                cur += text.count(b"\n", search, idx)
                if cur > line:
                    return 1
                if cur == line:
                    break
                search = idx + len(needle)
            else:
                return 1
            pos = text.rfind(b"\n", 0, idx) + 1
        self.pos, self.line = pos, cur
        end = text.find(b"\n", pos)
        idx = text.find(needle, pos, end if end >= 0 else len(text))
        if idx < 0:
            return 1
        prefix = text[pos:idx]
        return (len(prefix) if prefix.isascii() else len(prefix.decode("utf-8", "replace"))) + 1


def read(data: bytes, display: str) -> ParseResult:
    """Never raises: every failure becomes a problem on the result."""
    try:
        return _read(data, display)
    except Exception as exc:  # pragma: no cover - defence in depth; a reader bug is a finding
        result = ParseResult()
        result.problems.append(
            Problem("DM001", f"internal error while reading XML ({type(exc).__name__}: {exc}); please report it", Location(display, 1, 1))
        )
        return result


# the first start tag, skipping the declaration, comments, DOCTYPE and processing instructions
_FIRST_ELEMENT = re.compile(rb"<([A-Za-z_][\w.:-]*)[\s/>]")


def _read(data: bytes, display: str) -> ParseResult:
    result = ParseResult()
    if not data or data.isspace():
        result.problems.append(Problem("DM001", "file is empty: not an XML document", Location(display, 1, 1)))
        return result
    try:
        text = _to_utf8(data)
        if b"<!--" in text:
            text = _tolerate_comments(text)
        _refuse_dtd(text)
    except _Refused as exc:
        result.problems.append(Problem("DM001", str(exc), Location(display, exc.line, exc.column)))
        return result
    try:
        root = _parse(text)
        if _DENY.asked:  # defence in depth: a load libxml2 asked for (and was given nothing)
            result.problems.append(Problem("DM001", f"refused: the document asks for an external resource ({_DENY.asked[0]}); {_NO_DTD}", Location(display, 1, 1)))
            return result
    except etree.XMLSyntaxError as exc:
        line, col = (exc.position if getattr(exc, "position", None) else (exc.lineno or 1, exc.offset or 1))
        msg = (getattr(exc, "msg", None) or str(exc)).strip()
        msg = re.sub(r",\s*line \d+, column \d+\s*$", "", msg)
        root_tag = _FIRST_ELEMENT.search(text)
        if root_tag is not None and root_tag.group(1) != b"configuration":
            # broken XML whose root is not a Hyper-V <configuration> (templates and the like)
            # is not our business, as with unrelated YAML
            result.ours = False
            return result
        result.problems.append(Problem("DM001", f"XML syntax error: {msg}", Location(display, line or 1, col or 1)))
        return result
    except (ValueError, MemoryError, RecursionError) as exc:
        result.problems.append(Problem("DM001", f"XML cannot be read: {exc}", Location(display, 1, 1)))
        return result
    if root is None or not isinstance(root.tag, str) or root.tag != "configuration":
        result.ours = False
        return result
    top: dict = {}
    for el in root:  # direct children: cheaper than ElementPath's find()
        if el.tag in _TOP and el.tag not in top:
            top[el.tag] = el
    properties = top.get("properties")
    settings = top.get("settings")
    if properties is None or settings is None:
        result.ours = False  # a <configuration> that is not Hyper-V's (.NET app.config and the like)
        return result
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        # defence in depth: _refuse_dtd stopped at the DOCTYPE first
        result.problems.append(Problem("DM001", _DOCTYPE_REFUSED, Location(display, 1, 1)))
        return result

    if b"dmlint" in text:
        from dmlint.suppress import xml_directives

        result.line_suppressions, result.file_suppressions = xml_directives(root.getroottree(), text)
    cols = _Columns(text)

    def where(el) -> Location:
        line = el.sourceline or 0
        return Location(display, line, cols.column(line, el.tag) if line else 0)

    source = where(root)
    memory = _child(settings, "memory")
    bank = _child(memory, "bank") if memory is not None else None
    values: dict = {}
    for container_path, wanted, path in (
        ("properties", _PROPERTIES, (properties,)),
        ("settings/memory/bank", _BANK, (settings, memory, bank)),
    ):
        container = path[-1]
        if container is None:
            continue
        for step in path:
            cols.column(step.sourceline or 0, step.tag)  # moves the column cursor past the manifest
        for el in container:
            if el.tag not in wanted:
                continue  # other settings, comments, processing instructions
            key = f"{container_path}/{el.tag}"
            loc = where(el)
            if key in values:
                first = values[key][1]
                result.problems.append(Problem("DM002", f"{key} is given twice (first at line {first.line})", loc))
                continue
            values[key] = (_decode_value(el), loc)
    if "properties/notes" not in values:
        # Packer's box.xml writes <notes> directly under <configuration>
        notes = top.get("notes")
        if notes is not None:
            values["properties/notes"] = (_decode_value(notes), where(notes))

    vm, problems = vm_from_values(values, display, "xml", source)
    for p in result.problems:
        if vm is not None and p.vm is None:
            p.vm = vm.name
    result.problems.extend(problems)
    if vm is not None:
        result.vms.append(vm)
    return result
