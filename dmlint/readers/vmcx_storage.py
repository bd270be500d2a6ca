"""The Hyper-V storage container behind `.vmcx` (and `.vmrs`, `data.vmcx`): bytes -> key tree.

Written from dmlint's format description (shared/formats/vmcx.md, checked on real files);
pure Python, `struct` + `zlib`. The container holds two storage headers (0x0000, 0x1000),
an object table (0x2000) listing key tables, and a replay log. Every structure carries a
CRC-32 (zlib's) taken with its own checksum field zeroed; this module verifies each one
and rejects the whole file with one `StorageError` that names what is wrong and where
(byte offset, and the key path when it can be worked out). It never returns partial data.

Bounded on hostile input: every length is checked against the file before it is used,
every loop walks a structure of bounded size (the object table is one page, key entries
tile their tables, replay entries are capped by the log header), the file size and the key
count are capped (16 MiB, 100,000 keys: a real VM file is 45-80 KB with about 400 keys), and
the tree is walked with an explicit stack, never by recursion.

Pending replay-log entries (a file copied mid-commit) are counted, checked and reported in
`Storage.pending_replay_entries`, not applied: the values are those of the key tables.

One deliberate difference from formats/vmcx.md §11: a String whose UTF-16 holds an unpaired
surrogate is read with U+FFFD in its place, not rejected. Its checksum proves the bytes are
the ones Hyper-V wrote, and Windows strings may legally hold such code units; an odd byte
length is still rejected.
"""

from __future__ import annotations

import codecs
import gc
import struct
import zlib
from operator import itemgetter

__all__ = ["StorageError", "Key", "Storage", "parse"]

# Key value types (formats/vmcx.md §7.3)
FREE, INT, UINT, DOUBLE, STRING, ARRAY, BOOL, NODE = 1, 3, 4, 5, 6, 7, 8, 9
TYPE_NAMES = {FREE: "Free", INT: "Int", UINT: "UInt", DOUBLE: "Double", STRING: "String", ARRAY: "Array", BOOL: "Bool", NODE: "Node"}

HEADER_SIGNATURE = 0x01282014
OBJECT_TABLE_SIGNATURE = 0x01110001
REPLAY_LOG_SIGNATURE = 0x01110003
KEY_TABLE_SIGNATURE = 0x0002
SUPPORTED_FORMAT_VERSION = 0x0400
OBJECT_TABLE_OFFSET = 0x2000
FIRST_OBJECT_OFFSET = 0x3000
FLAG_FILE_OBJECT = 0x01
# Policy caps, not format limits. Real configuration files are 45-80 KB with 340-410 keys
# (shared/samples/vmcx/PROVENANCE.md); formats/vmcx.md §11 (row 26) calls 16-64 MiB generous.
# They keep hostile input bounded in memory as well as time.
DEFAULT_MAX_BYTES = 16 * 1024 * 1024
MAX_KEYS = 100_000

_HEADER = struct.Struct("<IIHIIIIQQI")  # 46 bytes
_OBJ_HDR = struct.Struct("<II")  # 8
_OBJ_ENTRY = struct.Struct("<BIQIB")  # 18
_LOG_HDR = struct.Struct("<IIIBIBQII")  # 34
_LOG_ENTRY = struct.Struct("<QIQII")  # 28
_KT_HDR = struct.Struct("<HHHI")  # 10
_KEY_HDR = struct.Struct("<BBIHIIIB")  # 21
_FILE_PTR = struct.Struct("<IQ")  # 12
_I64 = struct.Struct("<q")
_U64 = struct.Struct("<Q")
_F64 = struct.Struct("<d")
_I32 = struct.Struct("<i")
_U32 = struct.Struct("<I")
_Z4 = b"\0\0\0\0"
_SIG_BYTES = struct.pack("<I", HEADER_SIGNATURE)
_EMPTY_OBJECT = b"\0" + struct.pack("<I", zlib.crc32(bytes(18))) + bytes(13)
_crc32 = zlib.crc32
_utf16 = codecs.utf_16_le_decode  # the codec itself: bytes.decode('utf-16-le') adds a Python-level wrapper


class StorageError(Exception):
    """The file is not a readable storage file. `code` is a short identifier (formats/vmcx.md §11)."""

    def __init__(self, code: str, message: str, offset: int | None = None, key: str | None = None):
        self.code = code
        self.detail = message
        self.offset = offset
        self.key = key
        self.pending_replay_entries = 0  # set when the replay log was read before the failure
        super().__init__(self._text())

    def _text(self) -> str:
        where = []
        if self.key:
            where.append(f"key {self.key}")
        if self.offset is not None:
            where.append(f"byte offset {self.offset:#x}")
        suffix = f" ({', '.join(where)})" if where else ""
        return f"{self.detail}{suffix} [{self.code}]"

    def locate(self, key: str | None) -> None:
        self.key = key
        self.args = (self._text(),)


# Internal record of one key (a plain list: the parser makes hundreds per file, and a list is
# several times cheaper to build than an object). `Key` wraps one for the public API.
# Records hold no link to their parent, only its id (_PREF): the tree has no reference
# cycles, so a parsed file is freed by reference counting, without work for the cyclic GC.
_NAME, _TYPE, _FLAGS, _VALUE, _SEQ, _OFF, _PREF, _KIDS, _TABLE = range(9)


class Key:
    """One stored key: a node (children) or a leaf (value). Sibling names may repeat."""

    __slots__ = ("_r", "_all")

    def __init__(self, record, entries: dict):
        self._r = record
        self._all = entries  # id -> record, to find the parent

    name = property(lambda self: self._r[_NAME])
    type = property(lambda self: self._r[_TYPE])
    flags = property(lambda self: self._r[_FLAGS])
    value = property(lambda self: self._r[_VALUE], doc="int, float, str, bytes or bool; None for a node")
    seq = property(lambda self: self._r[_SEQ], doc="insertion sequence among its siblings")
    offset = property(lambda self: self._r[_OFF], doc="absolute byte offset of the entry")
    table = property(lambda self: self._r[_TABLE], doc="index of the key table holding the entry")

    @property
    def is_node(self) -> bool:
        return self._r[_TYPE] == NODE

    @property
    def type_name(self) -> str:
        return TYPE_NAMES.get(self._r[_TYPE], str(self._r[_TYPE]))

    @property
    def children(self) -> list["Key"]:
        kids = self._r[_KIDS]
        return [Key(r, self._all) for r in kids] if kids is not None else []

    @property
    def parent(self) -> "Key | None":
        p = self._r[_PREF]
        return Key(self._all[p], self._all) if p else None

    @property
    def path(self) -> str:
        return _path_of(self._r, self._all)

    def child(self, name: str) -> list["Key"]:
        return [Key(r, self._all) for r in self._r[_KIDS] or () if r[_NAME] == name]

    def __eq__(self, other) -> bool:
        return isinstance(other, Key) and other._r is self._r

    def __hash__(self) -> int:
        return id(self._r)

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        kids = self._r[_KIDS]
        body = f"{len(kids)} children" if kids is not None else repr(self._r[_VALUE])
        return f"<Key {self.path} {self.type_name} {body}>"


def _path_of(rec, entries: dict) -> str:
    parts = [rec[_NAME]]
    while rec[_PREF]:
        rec = entries[rec[_PREF]]
        parts.append(rec[_NAME])
    return "/".join(reversed(parts))


class Storage:
    """A parsed storage file: facts about the container and the key tree."""

    __slots__ = (
        "size",
        "format_version",
        "active_header_copy",
        "active_header_sequence",
        "alignment",
        "key_tables",
        "key_entries",
        "pending_replay_entries",
        "warnings",
        "_roots",
        "_entries",
    )

    def __init__(self):
        self.size = 0
        self.format_version = 0
        self.active_header_copy = 0
        self.active_header_sequence = 0
        self.alignment = 0
        self.key_tables = 0
        self.key_entries = 0
        self.pending_replay_entries = 0
        self.warnings: list[str] = []
        self._roots: list = []
        self._entries: dict = {}

    @property
    def roots(self) -> list[Key]:
        return [Key(r, self._entries) for r in self._roots]

    @property
    def root_names(self) -> list[str]:
        return [r[_NAME] for r in self._roots]

    @property
    def root_name(self) -> str | None:
        """The name of the single root key ('configuration' in a VM file), or None."""
        return self._roots[0][_NAME] if len(self._roots) == 1 else None

    def find(self, path: str) -> list[Key]:
        """Every key at `path` ('configuration/settings/memory/bank/size'); names may repeat."""
        level = self._roots
        parts = path.split("/")
        last = len(parts) - 1
        for depth, part in enumerate(parts):
            found = [r for r in level if r[_NAME] == part]
            if depth == last:
                return [Key(r, self._entries) for r in found]
            level = [c for r in found if r[_KIDS] for c in r[_KIDS]]
        return []

    def walk(self):
        """Every key, parents before children, siblings in insertion order (explicit stack)."""
        stack = list(reversed(self._roots))
        while stack:
            rec = stack.pop()
            yield Key(rec, self._entries)
            if rec[_KIDS]:
                stack.extend(reversed(rec[_KIDS]))


def _fail(code: str, message: str, offset: int | None = None) -> StorageError:
    return StorageError(code, message, offset)


def _need(size: int, start: int, length: int, what: str) -> None:
    if start < 0 or length < 0 or start + length > size:
        raise _fail("truncated", f"{what} runs past the end of the file ({size} bytes): needs bytes {start:#x}..{start + length:#x}", start)


def _crc_without(data, start: int, end: int, field: int) -> int:
    """CRC-32 of data[start:end] with the 4 bytes at `field` taken as zero."""
    return _crc32(data[field + 4 : end], _crc32(_Z4, _crc32(data[start:field])))


def _serial_newer(a: int, b: int) -> bool:
    """16-bit serial-number comparison: a is newer than b."""
    return 0 < ((a - b) & 0xFFFF) < 0x8000


def _read_headers(data: bytes, st: Storage):
    copies = []
    for index, base in enumerate((0, 0x1000)):
        raw = data[base : base + 46]
        fields = _HEADER.unpack(raw)
        has_sig = fields[0] == HEADER_SIGNATURE
        ok = has_sig and _crc32(raw[:4] + _Z4 + raw[8:]) == fields[1]
        copies.append((index, ok, has_sig, fields, raw))
    valid = [c for c in copies if c[1]]
    if not valid:
        if not any(c[2] for c in copies):
            sig = copies[0][3][0]
            raise _fail("bad-signature", f"not a Hyper-V storage file: header signature {sig:#010x}, expected {HEADER_SIGNATURE:#010x}", 0)
        bad = next(c for c in copies if c[2])
        stored = bad[3][1]
        computed = _crc32(bad[4][:4] + _Z4 + bad[4][8:])
        raise _fail("header-crc", f"storage header checksum mismatch in both copies (copy {bad[0]}: stored {stored:#010x}, computed {computed:#010x})", bad[0] * 0x1000)
    if len(valid) == 1:
        other = 1 - valid[0][0]
        st.warnings.append(f"storage header copy {other} (at {other * 0x1000:#x}) is damaged; copy {valid[0][0]} is used")
        active = valid[0]
    else:
        a, b = valid
        sa, sb = a[3][2], b[3][2]
        if sa == sb:
            if a[4] != b[4]:
                raise _fail("ambiguous-header", f"both storage header copies have sequence {sa} but differ", 0)
            active = a
        else:
            active = a if _serial_newer(sa, sb) else b
    return active


def _check_replay_log(data: bytes, size: int, st: Storage, log_off: int, log_size: int, hsize: int, align: int):
    if log_off % align or log_off < FIRST_OBJECT_OFFSET:
        raise _fail("bad-replay-log-location", f"replay log offset {log_off:#x} is not aligned to {align:#x} or lies before {FIRST_OBJECT_OFFSET:#x}", 0)
    if log_size % align or hsize < 34 or hsize > log_size:
        raise _fail("bad-replay-log-location", f"replay log size {log_size:#x} / header size {hsize:#x} are inconsistent (alignment {align:#x})", 0)
    _need(size, log_off, 34, "replay log header")
    sig, crc, pending, _r, max_entries, _ct, _cto, _cts, _ctu = _LOG_HDR.unpack_from(data, log_off)
    if sig != REPLAY_LOG_SIGNATURE:
        raise _fail("replay-log-header", f"replay log signature {sig:#010x}, expected {REPLAY_LOG_SIGNATURE:#010x}", log_off)
    computed = _crc_without(data, log_off, log_off + 34, log_off + 4)
    if computed != crc:
        raise _fail("replay-log-header", f"replay log header checksum mismatch (stored {crc:#010x}, computed {computed:#010x})", log_off)
    if max_entries != (hsize - 34) // 28:
        raise _fail("replay-log-counts", f"replay log holds {max_entries} entry slots, but its {hsize:#x}-byte header has room for {(hsize - 34) // 28}", log_off + 0x0D)
    if pending > max_entries:
        raise _fail("replay-log-counts", f"replay log claims {pending} pending entries but has only {max_entries} slots", log_off + 8)
    st.pending_replay_entries = pending
    if not pending:
        return
    # live entries: checked (both checksums, ranges), reported, not applied
    budget = min(log_size - hsize, size)
    for i in range(pending):
        at = log_off + 34 + 28 * i
        _need(size, at, 28, f"replay log entry {i}")
        target, length, data_off, ecrc, dcrc = _LOG_ENTRY.unpack_from(data, at)
        computed = _crc_without(data, at, at + 28, at + 0x14)
        if computed != ecrc:
            raise _fail("replay-log-corrupt", f"pending replay log entry {i}: checksum mismatch (stored {ecrc:#010x}, computed {computed:#010x})", at)
        budget -= length
        if data_off < hsize or data_off + length > log_size or budget < 0:
            raise _fail("replay-log-corrupt", f"pending replay log entry {i}: data at log offset {data_off:#x} (+{length:#x}) lies outside the log's data area", at)
        start = log_off + data_off
        if start + length > size:
            raise _fail("replay-log-corrupt", f"pending replay log entry {i}: its data runs past the end of the file", at)
        if target < OBJECT_TABLE_OFFSET or target + length > size:
            raise _fail("replay-log-corrupt", f"pending replay log entry {i}: target {target:#x} (+{length:#x}) lies outside the file's data area", at)
        computed = _crc32(data[start : start + length])
        if computed != dcrc:
            raise _fail("replay-log-corrupt", f"pending replay log entry {i}: data checksum mismatch (stored {dcrc:#010x}, computed {computed:#010x})", start)


def parse(data: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> Storage:
    """Parse a whole storage file held in memory. Raises StorageError, nothing else on bad input."""
    st = Storage()
    size = len(data)
    st.size = size
    # The parse allocates hundreds of small lists and creates no reference cycles; pausing the
    # cyclic GC meanwhile saves it from scanning them again and again (about a quarter of the time).
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        _parse(data, size, st, max_bytes)
    except StorageError as err:
        err.pending_replay_entries = st.pending_replay_entries
        raise
    finally:
        if paused:
            gc.enable()
    return st


def _parse(data: bytes, size: int, st: Storage, max_bytes: int) -> None:
    if size > max_bytes:
        raise _fail("file-too-large", f"file is {size} bytes, more than the {max_bytes}-byte limit for a storage file")
    if size < FIRST_OBJECT_OFFSET:
        if size >= 4 and data[:4] != _SIG_BYTES:
            sig = _U32.unpack_from(data, 0)[0]
            raise _fail("bad-signature", f"not a Hyper-V storage file: header signature {sig:#010x}, expected {HEADER_SIGNATURE:#010x}", 0)
        raise _fail("truncated", f"file is {size} bytes, shorter than the storage headers and object table ({FIRST_OBJECT_OFFSET:#x} bytes)", size)

    # 1. headers
    active = _read_headers(data, st)
    (_sig, _crc, seq, fmt, _dv, _fl, align, log_off, log_size, log_hsize) = active[3]
    st.active_header_copy = active[0]
    st.active_header_sequence = seq
    st.format_version = fmt
    if fmt != SUPPORTED_FORMAT_VERSION:
        raise _fail("unsupported-format-version", f"unsupported storage format version {fmt >> 8}.{fmt & 0xFF} ({fmt:#06x}); dmlint reads 4.0 (0x0400)", active[0] * 0x1000 + 0x0A)
    if align < 0x1000 or align > 0x10000 or align & (align - 1):
        raise _fail("bad-alignment", f"alignment {align:#x} is not a power of two between 0x1000 and 0x10000", active[0] * 0x1000 + 0x16)
    st.alignment = align

    # 2. replay log
    _check_replay_log(data, size, st, log_off, log_size, log_hsize, align)

    # 3. object table
    sig, count = _OBJ_HDR.unpack_from(data, OBJECT_TABLE_OFFSET)
    if sig != OBJECT_TABLE_SIGNATURE:
        raise _fail("object-table", f"object table signature {sig:#010x}, expected {OBJECT_TABLE_SIGNATURE:#010x}", OBJECT_TABLE_OFFSET)
    if count == 0 or 8 + 18 * count > min(align, size - OBJECT_TABLE_OFFSET):
        raise _fail("object-table", f"object table claims {count} entries, which do not fit its page", OBJECT_TABLE_OFFSET + 4)
    tables = []  # (offset, size)
    file_objects = []  # (offset, size)
    regions = [(0, FIRST_OBJECT_OFFSET, "the storage headers and object table"), (log_off, log_off + log_size, "the replay log")]
    obj_data = data[OBJECT_TABLE_OFFSET : OBJECT_TABLE_OFFSET + 8 + 18 * count]
    for i in range(count):
        p = 8 + 18 * i
        entry = obj_data[p : p + 18]
        if entry == _EMPTY_OBJECT:  # the usual empty slot: type 0, checksum of 18 zero bytes
            if obj_data[p + 18 :] == _EMPTY_OBJECT * (count - i - 1):
                break  # the rest of the table is empty slots too (one comparison, not one per slot)
            continue
        otype, ocrc, ooff, osize, _oflags = _OBJ_ENTRY.unpack(entry)
        computed = _crc32(entry[5:], _crc32(_Z4, _crc32(entry[:1])))
        at = OBJECT_TABLE_OFFSET + p
        if computed != ocrc:
            raise _fail("object-entry-crc", f"object table entry {i}: checksum mismatch (stored {ocrc:#010x}, computed {computed:#010x})", at)
        if otype == 0:
            continue
        if otype == 1:
            raise _fail("object-entry-type", f"object table entry {i} chains to a second object table, which dmlint does not read", at)
        if otype > 4:
            raise _fail("object-entry-type", f"object table entry {i} has unknown type {otype}", at)
        what = {2: "key table", 3: "file object", 4: "free space"}[otype]
        if osize == 0 or ooff % align or osize % align or ooff < FIRST_OBJECT_OFFSET:
            raise _fail("object-range", f"object table entry {i} ({what}) at {ooff:#x}, size {osize:#x}: not aligned to {align:#x}, empty, or inside the header area", at)
        if otype != 4 and ooff + osize > size:
            raise _fail("object-range", f"object table entry {i} ({what}) at {ooff:#x}, size {osize:#x} runs past the end of the file ({size} bytes)", at)
        regions.append((ooff, ooff + osize, f"{what} of object table entry {i}"))
        if otype == 2:
            tables.append((ooff, osize))
        elif otype == 3:
            file_objects.append((ooff, osize))
    regions.sort()
    for (a0, a1, an), (b0, b1, bn) in zip(regions, regions[1:]):
        if b0 < a1:
            raise _fail("object-range", f"{bn} at {b0:#x} overlaps {an} ({a0:#x}..{a1:#x})", b0)

    # 4. key tables
    index_of = {}
    for toff, tsize in tables:
        ksig, kidx, _kseq, kcrc = _KT_HDR.unpack_from(data, toff)
        if ksig != KEY_TABLE_SIGNATURE:
            raise _fail("key-table", f"key table signature {ksig:#06x}, expected {KEY_TABLE_SIGNATURE:#06x}", toff)
        computed = _crc32(data[toff : toff + 6] + _Z4)
        if computed != kcrc:
            raise _fail("key-table", f"key table header checksum mismatch (stored {kcrc:#010x}, computed {computed:#010x})", toff)
        if kidx == 0 or kidx in index_of:
            raise _fail("key-table", f"key table index {kidx} is {'reserved for the root' if kidx == 0 else 'used twice'}", toff + 2)
        index_of[kidx] = (toff, tsize)
    st.key_tables = len(index_of)

    # 5. pass 1: collect entries (parents may come later in the file, so link afterwards)
    entries: dict = {}
    for kidx, (toff, tsize) in index_of.items():
        failure = _collect(data, size, kidx, toff, tsize, file_objects, entries)
        if failure is not None:
            err, pref, name = failure
            err.locate(_best_effort_path(entries, pref, name))
            raise err
    st.key_entries = len(entries)

    # 6. pass 2: link children to parents
    roots = []
    get = entries.get
    for rec in entries.values():
        pref = rec[_PREF]
        if not pref:
            roots.append(rec)
            continue
        parent = get(pref)
        if parent is None or parent[_KIDS] is None:
            raise _link_error(entries, rec, pref, parent)
        parent[_KIDS].append(rec)

    # 7./8. order children by insertion sequence; every entry must be reachable from the root
    # (a top-down walk cannot loop: an entry inside a parent cycle is never reached)
    roots.sort(key=_seq)
    seen = 0
    stack = list(roots)
    pop, extend = stack.pop, stack.extend
    while stack:
        kids = pop()[_KIDS]
        seen += 1
        if kids:
            if len(kids) > 1:
                kids.sort(key=_seq)
            extend(kids)
    if seen != len(entries):
        reached = set()
        stack = list(roots)
        while stack:
            rec = stack.pop()
            reached.add(id(rec))
            if rec[_KIDS]:
                stack.extend(rec[_KIDS])
        lost = sorted((r for r in entries.values() if id(r) not in reached), key=lambda r: r[_OFF])
        names = ", ".join(f"{r[_NAME]!r} at {r[_OFF]:#x}" for r in lost[:3])
        more = f" and {len(lost) - 3} more" if len(lost) > 3 else ""
        raise StorageError("unreachable-entries", f"{len(lost)} keys are not reachable from the root (a parent cycle or an orphan subtree): {names}{more}", lost[0][_OFF])
    st._roots = roots
    st._entries = entries


_seq = itemgetter(_SEQ)


def _link_error(entries: dict, rec, pref: int, parent) -> StorageError:
    ptab, poff = pref >> 32, pref & 0xFFFFFFFF
    if ptab == 0:
        err = StorageError("bad-parent", f"key {rec[_NAME]!r} names parent offset {poff:#x} in table 0 (only the root, offset 0, lives there)", rec[_OFF])
    elif parent is None:
        err = StorageError("bad-parent", f"key {rec[_NAME]!r}: dangling parent link to key table {ptab}, offset {poff:#x} (no key there)", rec[_OFF])
    else:
        err = StorageError("bad-parent", f"key {rec[_NAME]!r}: its parent {parent[_NAME]!r} is a {TYPE_NAMES.get(parent[_TYPE])} value, not a node", rec[_OFF])
        err.locate(_best_effort_path(entries, pref, rec[_NAME]))
    return err


def _best_effort_path(entries: dict, pref: int | None, name: str | None) -> str | None:
    """The path of a key whose parent link is `pref`, as far as the collected entries tell."""
    if name is None:
        return None
    parts = [name]
    seen = set()
    while pref:
        if pref in seen or len(parts) > 64:
            return None
        seen.add(pref)
        parent = entries.get(pref)
        if parent is None:
            return "?/" + "/".join(reversed(parts))
        parts.append(parent[_NAME])
        pref = parent[_PREF]
    return "/".join(reversed(parts))


_NAME_CACHE: dict = {}  # raw name bytes (with the NUL) -> str; every VM file repeats the same names


def _decode_name(raw: bytes) -> str | None:
    if len(raw) < 2 or raw[-1] != 0 or 0 in raw[:-1]:
        return None
    try:
        name = raw[:-1].decode("utf-8")
    except UnicodeDecodeError:
        return None
    if len(_NAME_CACHE) > 20000:
        _NAME_CACHE.clear()
    _NAME_CACHE[raw] = name
    return name


# bytes of data after the name, per type; -1: a u32 byte length, then that many bytes
_DATA_LEN = {INT: 8, UINT: 8, DOUBLE: 8, BOOL: 4, NODE: 12, STRING: -1, ARRAY: -1}


def _collect(data: bytes, size: int, kidx: int, toff: int, tsize: int, file_objects, entries: dict):
    """Walk one key table; add its keys to `entries`. Returns (error, parent ref, name) or None.

    The loop is the fast path for well-formed entries, with every check still made; anything
    unusual (a name not seen before, a file-object value, a failed check) goes through
    `_entry`, which validates the entry step by step and explains what is wrong.
    """
    unpack_hdr = _KEY_HDR.unpack_from
    i64 = _I64.unpack_from
    i32 = _I32.unpack_from
    u32 = _U32.unpack_from
    crc32 = _crc32
    z4 = _Z4
    names = _NAME_CACHE.get
    data_len = _DATA_LEN.get
    utf16 = _utf16
    end = toff + tsize
    last = end - 21  # the last offset where a whole entry header fits
    pos = toff + 10
    base = kidx << 32
    budget = MAX_KEYS - len(entries)
    while pos <= last:
        budget -= 1
        if budget < 0:
            return StorageError("too-many-keys", f"the file holds more than {MAX_KEYS} keys; a VM configuration holds a few hundred", pos), None, None
        etype, flags, esize, ptab, poff, crc, seq, nlen = unpack_hdr(data, pos)
        nxt = pos + esize
        if esize < 21 or nxt > end:
            return StorageError("entry-size", f"key entry in table {kidx} has size {esize}, outside 21..{end - pos}", pos), None, None
        if etype == 1:  # Free
            pos = nxt
            continue
        dlen = data_len(etype)
        name_end = pos + 21 + nlen
        name = names(data[pos + 21 : name_end])
        # literal type codes below: 6 String, 3 Int, 9 Node, 8 Bool, 7 Array, 4 UInt (hot loop)
        if not (
            name is not None
            and dlen is not None
            and not flags & 1  # FLAG_FILE_OBJECT
            and name_end + 4 <= nxt
            and (content_end := name_end + (dlen if dlen > 0 else 4 + u32(data, name_end)[0])) <= nxt
            and crc32(data[pos + 16 : content_end], crc32(z4, crc32(data[pos : pos + 12]))) == crc
            and not (etype == 6 and (content_end - name_end) & 1)
        ):  # explain the fault, or take an unusual but valid entry
            record, failure = _entry(data, size, kidx, pos, file_objects)
            if failure is not None:
                return failure
            entries[base | (pos - toff)] = record
            pos = nxt
            continue
        kids = None
        if etype == 6:
            value = utf16(data[name_end + 4 : content_end], "replace", True)[0]
            if value and value[-1] == "\0":
                value = value[:-1]
        elif etype == 3:
            value = i64(data, name_end)[0]
        elif etype == 9:
            value = None
            kids = []
        elif etype == 8:
            value = i32(data, name_end)[0] != 0
        elif etype == 7:
            value = data[name_end + 4 : content_end]
        elif etype == 4:
            value = _U64.unpack_from(data, name_end)[0]
        else:  # 5 Double
            value = _F64.unpack_from(data, name_end)[0]
        entries[base | (pos - toff)] = [name, etype, flags, value, seq, pos, (ptab << 32) | poff, kids, kidx]
        pos = nxt
    if pos != end:
        return StorageError("entry-size", f"key table {kidx} ends with a {end - pos}-byte tail too small for an entry", pos), None, None
    return None


def _entry(data: bytes, size: int, kidx: int, pos: int, file_objects):
    """One key entry, checked step by step: (record, None) or (None, (error, parent ref, name))."""
    etype, flags, esize, ptab, poff, crc, seq, nlen = _KEY_HDR.unpack_from(data, pos)
    nxt = pos + esize
    pref = (ptab << 32) | poff
    name_end = pos + 21 + nlen
    raw = data[pos + 21 : name_end]
    name = _NAME_CACHE.get(raw) or (_decode_name(raw) if name_end <= nxt else None)
    if etype not in _DATA_LEN:
        return None, (StorageError("unknown-key-type", f"key {name or '?'!r} has unknown type {etype}", pos), pref, name)
    if name is None:
        return None, (StorageError("bad-name", f"key entry of type {TYPE_NAMES[etype]} has an empty, unterminated or undecodable name (length {nlen})", pos), pref, None)
    dlen = 12 if flags & FLAG_FILE_OBJECT else _DATA_LEN[etype]
    if dlen < 0:
        if name_end + 4 > nxt:
            return None, (StorageError("entry-size", f"key {name!r}: size {esize} leaves no room for its length field", pos), pref, name)
        dlen = 4 + _U32.unpack_from(data, name_end)[0]
    content_end = name_end + dlen
    if content_end > nxt:
        return None, (StorageError("entry-size", f"key {name!r}: its content needs {content_end - pos} bytes but the entry is {esize} bytes", pos), pref, name)
    computed = _crc_without(data, pos, content_end, pos + 12)
    if computed != crc:
        return None, (StorageError("entry-crc", f"key {name!r}: checksum mismatch (stored {crc:#010x}, computed {computed:#010x})", pos), pref, name)
    kids = [] if etype == NODE else None
    if flags & FLAG_FILE_OBJECT:
        vsize, voff = _FILE_PTR.unpack_from(data, name_end)
        if voff + vsize > size or not any(o <= voff and voff + vsize <= o + s for o, s in file_objects):
            return None, (StorageError("file-object-range", f"key {name!r}: value of {vsize} bytes at {voff:#x} is outside the file or outside any file object", pos), pref, name)
        value = None if etype == NODE else data[voff : voff + vsize]
    elif etype == STRING:
        if dlen & 1:
            return None, (StorageError("bad-string", f"key {name!r}: string of odd byte length {dlen - 4}", pos), pref, name)
        value = _utf16(data[name_end + 4 : content_end], "replace", True)[0]
        if value and value[-1] == "\0":
            value = value[:-1]
    elif etype == ARRAY:
        value = data[name_end + 4 : content_end]
    elif etype == NODE:
        value = None
    else:
        value = {INT: _I64, UINT: _U64, DOUBLE: _F64, BOOL: _I32}[etype].unpack_from(data, name_end)[0]
        if etype == BOOL:
            value = value != 0
    return [name, etype, flags, value, seq, pos, pref, kids, kidx], None
