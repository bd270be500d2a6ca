"""A small VMCX (Hyper-V storage file) writer, for tests and fixtures only.

Written from dmlint's format description (shared/formats/vmcx.md §2-§7, §14), independently
of dmlint's reader: it shares no code with `dmlint.readers.vmcx_storage`, so a round trip
(sample -> reader -> this writer -> reader) checks the two against each other.

What it writes, in the layout Hyper-V itself uses:

    0x0000 / 0x1000   storage header, two copies (copy 0 newer by one)
    0x2000            object table: one type-2 entry per key table, the rest empty slots
    0x3000 ...        key tables of `table_size` bytes, entries packed back to back, each
                      table closed by a Free entry (or slack when fewer than 21 bytes remain)
    after them        the replay log: a header page, then a data area for pending entries

Every checksum is written as the format requires (CRC-32 with the field zeroed). Values of
2 KB or more (file objects) are not supported: no fixture needs them.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field

# key value types (formats/vmcx.md §7.3)
FREE, INT, UINT, DOUBLE, STRING, ARRAY, BOOL, NODE = 1, 3, 4, 5, 6, 7, 8, 9

HEADER_SIGNATURE = 0x01282014
OBJECT_TABLE_SIGNATURE = 0x01110001
REPLAY_LOG_SIGNATURE = 0x01110003
KEY_TABLE_SIGNATURE = 0x0002
EMPTY_OBJECT_CRC = zlib.crc32(bytes(18))


def crc32(data: bytes) -> int:
    return zlib.crc32(data) & 0xFFFFFFFF


def crc_zeroed(data: bytes, at: int) -> int:
    """CRC-32 of `data` with the 4 bytes at `at` taken as zero."""
    return crc32(data[:at] + b"\0\0\0\0" + data[at + 4 :])


@dataclass
class N:
    """A key to write: a node (type NODE, children) or a leaf (value)."""

    name: str
    type: int = NODE
    value: object = None
    children: list = field(default_factory=list)
    flags: int = 0

    def find(self, path: str) -> "N":
        node = self
        for part in path.split("/"):
            matches = [c for c in node.children if c.name == part]
            if len(matches) != 1:
                raise KeyError(path)
            node = matches[0]
        return node


def node(name: str, *children: N, flags: int = 0) -> N:
    return N(name, NODE, None, list(children), flags)


def int_(name: str, value: int) -> N:
    return N(name, INT, value)


def str_(name: str, value: str, flags: int = 0) -> N:
    return N(name, STRING, value, flags=flags)


def bool_(name: str, value: bool) -> N:
    return N(name, BOOL, value)


def arr(name: str, value: bytes) -> N:
    return N(name, ARRAY, value)


def _data(key: N) -> bytes:
    t, v = key.type, key.value
    if t == INT:
        return struct.pack("<q", v)
    if t == UINT:
        return struct.pack("<Q", v)
    if t == DOUBLE:
        return struct.pack("<d", v)
    if t == BOOL:
        return struct.pack("<i", 1 if v else 0)
    if t == STRING:
        raw = v.encode("utf-16-le")
        return struct.pack("<I", len(raw)) + raw
    if t == ARRAY:
        return struct.pack("<I", len(v)) + bytes(v)
    if t == NODE:
        next_seq = len(key.children) + 1 if key.children else 0
        return struct.pack("<QI", 0, next_seq)
    raise ValueError(f"cannot write key type {t}")


def entry_bytes(key: N, seq: int, parent: tuple[int, int], slack: int = 0) -> bytes:
    """One key entry: 21-byte header, NUL-terminated name, data, slack (not checksummed)."""
    name = key.name.encode("utf-8") + b"\0"
    if len(name) > 255:
        raise ValueError(f"key name too long: {key.name!r}")
    body = name + _data(key)
    size = 21 + len(body) + slack
    head = struct.pack("<BBIHIIIB", key.type, key.flags, size, parent[0], parent[1], 0, seq, len(name))
    content = head + body
    crc = crc_zeroed(content, 12)
    content = content[:12] + struct.pack("<I", crc) + content[16:]
    return content + b"\0" * slack


def free_entry(size: int) -> bytes:
    """Unused space inside a key table (type 1; body 0xFD, checksum 0, name length 0)."""
    return struct.pack("<BBIHIIIB", FREE, 0, size, 0, 0, 0, 0xFDFDFDFD, 0) + b"\xfd" * (size - 21)


@dataclass
class Layout:
    """Where each key went: path -> absolute offset of its entry (first match for repeated names)."""

    offsets: dict
    key_tables: int
    key_entries: int
    replay_log_offset: int


def write(
    roots,
    *,
    sequence: int = 25,
    alignment: int = 0x1000,
    table_size: int = 0x1000,
    leaf_slack: int = 12,
    format_version: int = 0x0400,
    pending: dict | None = None,
    with_layout: bool = False,
):
    """Serialise the key tree `roots` (a list of N, or one N) into a storage file.

    `pending` maps a key path to a new value: the file keeps the old value in its key table
    and gets a live (pending) replay-log entry holding the rewritten entry, as a file copied
    in the middle of a Hyper-V commit would.
    """
    if isinstance(roots, N):
        roots = [roots]
    # flatten, parents before children; insertion sequence = position among siblings, 1-based
    flat = []  # (key, seq, parent index or None, path)
    stack = [(r, i + 1, None, r.name) for i, r in reversed(list(enumerate(roots)))]
    while stack:
        key, seq, parent, path = stack.pop()
        me = len(flat)
        flat.append((key, seq, parent, path))
        for i, child in reversed(list(enumerate(key.children))):
            stack.append((child, i + 1, me, f"{path}/{child.name}"))

    # lay the entries out in tables; sizes do not depend on parent positions
    sizes = []
    for key, _seq, _p, _path in flat:
        body = len(key.name.encode("utf-8")) + 1 + len(_data(key))
        sizes.append(21 + body + (0 if key.type == NODE else leaf_slack))
    room = table_size - 10
    place = []  # (table number, offset in table)
    tables: list[list[int]] = [[]]
    used = 10
    for i, size in enumerate(sizes):
        if size > room:
            raise ValueError(f"key {flat[i][3]} needs {size} bytes; a table holds {room}")
        if used + size > table_size:  # does not fit: the next table (this one's tail is 0 or >= 21)
            tables.append([])
            used = 10
        rest = table_size - (used + size)
        if 0 < rest < 21:  # a tail too small for a Free entry becomes this entry's slack
            sizes[i] += rest
            size += rest
        place.append((len(tables), used))
        tables[-1].append(i)
        used += size

    # serialise the tables
    offsets = {}
    table_blobs = []
    for t_index, members in enumerate(tables, start=1):
        blob = bytearray()
        for i in members:
            key, seq, parent, path = flat[i]
            pref = (0, 0) if parent is None else place[parent]
            slack = sizes[i] - (21 + len(key.name.encode("utf-8")) + 1 + len(_data(key)))
            offsets.setdefault(path, 0x3000 + (t_index - 1) * table_size + place[i][1])
            blob += entry_bytes(key, seq, pref, slack)
        tail = table_size - 10 - len(blob)
        if tail:
            blob += free_entry(tail)
        head = struct.pack("<HHH", KEY_TABLE_SIGNATURE, t_index, 2)
        head += struct.pack("<I", crc32(head + b"\0\0\0\0"))
        table_blobs.append(head + bytes(blob))
    entry_of = {flat[i][3]: i for i in reversed(range(len(flat)))}

    # replay log after the key tables
    log_off = 0x3000 + len(table_blobs) * table_size
    log_header_size = 0x1000
    live = []  # (target offset, bytes)
    for path, new_value in (pending or {}).items():
        i = entry_of[path]
        key, seq, parent, _ = flat[i]
        pref = (0, 0) if parent is None else place[parent]
        changed = N(key.name, key.type, new_value, key.children, key.flags)
        slack = sizes[i] - (21 + len(key.name.encode("utf-8")) + 1 + len(_data(key)))
        new = entry_bytes(changed, seq, pref, slack)
        if len(new) != sizes[i]:
            raise ValueError(f"pending value for {path} changes the entry's size")
        live.append((offsets[path], new))
    data_len = sum(len(b) for _, b in live)
    log_size = log_header_size + max(alignment, -(-data_len // alignment) * alignment)
    log = bytearray(log_size)
    max_entries = (log_header_size - 34) // 28
    data_at = log_header_size
    for n, (target, new) in enumerate(live):
        log[data_at : data_at + len(new)] = new
        ent = struct.pack("<QIQII", target, len(new), data_at, 0, crc32(new))
        ent = ent[:0x14] + struct.pack("<I", crc_zeroed(ent, 0x14)) + ent[0x18:]
        log[34 + 28 * n : 34 + 28 * (n + 1)] = ent
        data_at += len(new)
    lh = struct.pack("<IIIBIBQII", REPLAY_LOG_SIGNATURE, 0, len(live), 0, max_entries, 0, 0, 0, 0)
    lh = lh[:4] + struct.pack("<I", crc_zeroed(lh, 4)) + lh[8:]
    log[:34] = lh

    # object table
    count = (alignment - 8) // 18
    if len(table_blobs) > count - 1:
        raise ValueError("too many key tables for one object table")
    obj = bytearray(struct.pack("<II", OBJECT_TABLE_SIGNATURE, count))
    for i in range(count):
        if i < len(table_blobs):
            e = struct.pack("<BIQIB", 2, 0, 0x3000 + i * table_size, table_size, 1)
            e = e[:1] + struct.pack("<I", crc_zeroed(e, 1)) + e[5:]
        else:
            e = struct.pack("<BIQIB", 0, EMPTY_OBJECT_CRC, 0, 0, 0)
        obj += e
    obj += bytes(alignment - len(obj))

    def header(seq: int) -> bytes:
        h = struct.pack("<IIHIIIIQQI", HEADER_SIGNATURE, 0, seq & 0xFFFF, format_version, 0, 0, alignment, log_off, log_size, log_header_size)
        h = h[:4] + struct.pack("<I", crc_zeroed(h, 4)) + h[8:]
        return h + bytes(0x1000 - len(h))

    out = header(sequence) + header(sequence - 1) + bytes(obj) + b"".join(table_blobs) + bytes(log)
    if with_layout:
        return out, Layout(offsets, len(table_blobs), len(flat), log_off)
    return out


# ---- patching files for tests -------------------------------------------------------------

_KEY_HDR = struct.Struct("<BBIHIIIB")


def entry_content_end(data, at: int) -> int:
    """End of the checksummed content of the key entry at `at` (header + name + data)."""
    etype, flags, _size, _pt, _po, _crc, _seq, nlen = _KEY_HDR.unpack_from(data, at)
    name_end = at + 21 + nlen
    if flags & 0x01:
        return name_end + 12
    if etype in (STRING, ARRAY):
        return name_end + 4 + struct.unpack_from("<I", data, name_end)[0]
    return name_end + {INT: 8, UINT: 8, DOUBLE: 8, BOOL: 4, NODE: 12}[etype]


def fix_entry_crc(data: bytearray, at: int, content_end: int | None = None) -> None:
    """Recompute the checksum of the key entry at `at` in place."""
    end = entry_content_end(data, at) if content_end is None else content_end
    struct.pack_into("<I", data, at + 12, crc_zeroed(bytes(data[at:end]), 12))


def fix_header_crc(data: bytearray, copy: int) -> None:
    base = 0x1000 * copy
    struct.pack_into("<I", data, base + 4, crc_zeroed(bytes(data[base : base + 46]), 4))


def fix_object_crc(data: bytearray, index: int) -> None:
    at = 0x2008 + 18 * index
    struct.pack_into("<I", data, at + 1, crc_zeroed(bytes(data[at : at + 18]), 1))


def fix_log_header_crc(data: bytearray, log_offset: int) -> None:
    struct.pack_into("<I", data, log_offset + 4, crc_zeroed(bytes(data[log_offset : log_offset + 34]), 4))


# ---- building realistic VM configurations -------------------------------------------------


def _guid(n: int) -> str:
    return f"{n:08X}-{n % 0xFFFF:04X}-4{n % 0xFFF:03X}-A{n % 0xFFF:03X}-{n * 7919 % 0xFFFFFFFFFFFF:012X}"


def vm_config(
    name: str,
    *,
    generation: int = 2,
    version: int = 0x0900,
    dynamic: bool = False,
    startup: int = 1024,
    minimum: int = 512,
    maximum: int = 1048576,
    buffer: int = 20,
    priority: int = 5000,
    notes: str = "",
    highly_available: bool = False,
    devices: int = 0,
    guid: int = 1,
    omit: tuple = (),
    processors: int = 1,
    secure_boot: bool | None = None,
) -> N:
    """A `configuration` tree shaped like Hyper-V's own (key names and types from the samples).

    `devices` adds that many device nodes and manifest entries, so that a file reaches the size
    of a real one (about 60 devices give the 400 keys and 80 KB of a real VM file). Paths in
    `omit` (relative to `configuration`) are left out.
    """
    bank = node(
        "bank",
        int_("backing_type", 0),
        bool_("dynamic_memory_enabled", dynamic),
        int_("limit", maximum),
        int_("priority", priority),
        int_("reservation", minimum),
        int_("size", startup),
        int_("target_memory_buffer", buffer),
    )
    props = node(
        "properties",
        str_("global_id", _guid(guid)),
        bool_("highly_available", highly_available),
        int_("last_powered_off_time", 0),
        int_("last_powered_on_time", 0),
        int_("last_state_change_time", 0),
        str_("name", name),
        str_("notes", notes),
        int_("subtype", generation - 1),
        str_("type_id", "Virtual Machines"),
        int_("version", version),
        arr("creation_time", struct.pack("<Q", 133212345678901234)),
    )
    settings = node(
        "settings",
        node("global"),
        bool_("guest_controlled_cache_types", False),
        node(
            "memory",
            bank,
            node("sgx", bool_("enabled", False), int_("size", 0)),
            node("vnuma", int_("max_size_per_node", 14310)),
        ),
        node("processors", int_("count", processors)),
        node("topology", int_("high_mmio_gap_mb", 512), int_("low_mmio_gap_mb", 128)),
        node("vnuma", bool_("enabled", True)),
    )
    kids = [props, settings]
    if secure_boot is not None:  # the firmware node of the samples (formats/vmcx.md section 12)
        kids.append(node("_ac6b8dc1-3257-4a70-b1b2-a9c9215659ad_", bool_("secure_boot_enabled", secure_boot)))
    manifest = node("manifest", int_("version", 512), int_("size", devices))
    for d in range(devices):
        dev_guid = _guid(guid * 1000 + d).lower()
        kids.append(
            node(
                f"_{dev_guid}_",
                int_("VDEVVersion", 512),
                str_("FriendlyName", f"Device {d}"),
                str_("ChannelInstanceGuid", "{" + _guid(guid * 5000 + d) + "}"),
                bool_("Enabled", True),
            )
        )
        manifest.children.append(
            node(
                f"vdev{d + 1:03d}",
                str_("device", "{" + _guid(7 + d) + "}"),
                str_("instance", "{" + dev_guid + "}"),
                str_("name", f"Microsoft Synthetic Device {d}"),
                int_("flags", 0),
            )
        )
    kids.append(manifest)
    root = node("configuration", *kids)
    for path in omit:
        parent_path, _, leaf_name = path.rpartition("/")
        parent = root.find(parent_path) if parent_path else root
        parent.children = [c for c in parent.children if c.name != leaf_name]
    return root


def from_keys(keys) -> list[N]:
    """Turn keys read by dmlint's reader (objects with name/type/flags/value/children) into N trees."""
    out = []
    stack = [(k, out) for k in reversed(list(keys))]
    while stack:
        key, into = stack.pop()
        n = N(key.name, key.type, key.value, [], key.flags)
        into.append(n)
        for child in reversed(key.children):
            stack.append((child, n.children))
    return out


# ---- the committed fixtures (fixtures/vmcx/) -----------------------------------------------
# Each entry: file name -> settings for vm_config (plus "pending" / "corrupt" / "truncate" /
# "duplicate" for the reader findings). VM names carry a "vmcx-" prefix: unique across all
# fixtures. Guest OS ids come from rules/data/guest_os.yaml, given as a notes token.


def _dyn(startup, minimum, maximum, **kw):
    return dict(dynamic=True, startup=startup, minimum=minimum, maximum=maximum, **kw)


FIXTURES = {
    # reader findings
    "dm001_fires_vmcx_bad_crc.vmcx": dict(corrupt="configuration/settings/memory/bank/size"),
    "dm001_fires_vmcx_truncated.vmcx": dict(truncate=0x3800),  # inside the key table
    "dm001_passes_vmcx.vmcx": dict(),
    "dm002_fires_vmcx_duplicate_key.vmcx": dict(duplicate="settings/memory/bank/size"),
    "dm002_passes_vmcx.vmcx": dict(),
    "dm003_fires_vmcx_zero_startup.vmcx": dict(startup=0),
    "dm003_passes_vmcx.vmcx": dict(),
    "dm004_fires_vmcx_unknown_guest.vmcx": dict(startup=4096, notes="guest_os=win2019"),
    "dm004_passes_vmcx.vmcx": dict(startup=4096, notes="guest_os=win2k19"),
    "dm005_fires_vmcx_pending_replay.vmcx": dict(pending={"configuration/settings/memory/bank/size": 2048}),
    "dm005_passes_vmcx.vmcx": dict(),
    # per-VM limits
    "dm101_fires_vmcx.vmcx": _dyn(1024, 16, 4096),
    "dm101_passes_vmcx.vmcx": _dyn(1024, 32, 4096),
    "dm102_fires_vmcx.vmcx": _dyn(1024, 2048, 4096),
    "dm102_passes_vmcx_static_leftover.vmcx": dict(startup=1024, minimum=2048),
    "dm103_fires_vmcx.vmcx": _dyn(8192, 1024, 4096),
    "dm103_passes_vmcx.vmcx": _dyn(2048, 512, 4096),
    "dm104_fires_vmcx_gen1.vmcx": _dyn(1024, 512, 2 * 1048576, generation=1),
    "dm104_passes_vmcx_gen1.vmcx": _dyn(1024, 512, 1048576, generation=1),
    "dm105_fires_vmcx.vmcx": _dyn(1025, 512, 4096),
    "dm105_passes_vmcx.vmcx": _dyn(1026, 512, 4096),
    "dm106_fires_vmcx.vmcx": _dyn(1024, 512, 4096, buffer=2500),
    "dm106_passes_vmcx.vmcx": _dyn(1024, 512, 4096, buffer=5),
    "dm107_fires_vmcx.vmcx": _dyn(1024, 512, 4096, priority=12000),
    "dm107_passes_vmcx.vmcx": _dyn(1024, 512, 4096, priority=10000),
    # guest OS (from the notes)
    "dm201_fires_vmcx.vmcx": dict(startup=256, minimum=256, notes="guest_os=win2k19"),
    "dm201_passes_vmcx.vmcx": dict(startup=4096, notes="guest_os=win2k19"),
    "dm202_fires_vmcx.vmcx": _dyn(2048, 1024, 4096, notes="guest_os=freebsd13.0"),
    "dm202_passes_vmcx.vmcx": dict(startup=2048, notes="guest_os=freebsd13.0"),
    "dm203_fires_vmcx.vmcx": _dyn(2048, 512, 1048576, generation=1, notes="guest_os=win7"),
    "dm203_passes_vmcx.vmcx": _dyn(2048, 512, 8192, generation=1, notes="guest_os=win7"),
    "dm204_fires_vmcx.vmcx": _dyn(2000, 1000, 4000, notes="guest_os=ubuntu22.04"),
    "dm204_passes_vmcx.vmcx": _dyn(2048, 1024, 4096, notes="guest_os=ubuntu22.04"),
    "dm205_fires_vmcx.vmcx": dict(startup=4096, generation=1, notes="guest_os=win11"),
    "dm205_passes_vmcx.vmcx": dict(startup=4096, generation=2, notes="guest_os=win11", processors=2, secure_boot=True),
    "dm205_fires_vmcx_one_vcpu.vmcx": dict(startup=4096, generation=2, notes="guest_os=win11", processors=1, secure_boot=False),
    "dm206_fires_vmcx.vmcx": _dyn(1024, 128, 4096, notes="Web front end. guest_os=win2k12r2"),
    "dm206_passes_vmcx.vmcx": _dyn(1024, 512, 4096, notes="guest_os=win2k12r2"),
}


def fixture_bytes(file_name: str) -> bytes:
    """The bytes of one committed fixture, made from scratch (deterministic)."""
    spec = dict(FIXTURES[file_name])
    corrupt = spec.pop("corrupt", None)
    truncate = spec.pop("truncate", None)
    pending = spec.pop("pending", None)
    duplicate = spec.pop("duplicate", None)
    stem = file_name.rsplit(".", 1)[0]
    vm_name = "vmcx-" + stem.replace("_", "-")
    guid = zlib.crc32(file_name.encode()) & 0xFFFFFF or 1  # stable: adding a fixture changes no other
    root = vm_config(vm_name, guid=guid, devices=2, **spec)
    if duplicate:
        parent_path, _, leaf_name = duplicate.rpartition("/")
        parent = root.find(parent_path)
        parent.children.append(N(leaf_name, INT, 8192))
    data, layout = write(root, with_layout=True, pending=pending)
    if corrupt:
        at = layout.offsets[corrupt]
        # the value of an Int entry sits after the 21-byte header and the name; change one byte
        name_len = len(corrupt.rsplit("/", 1)[1]) + 1
        value_at = at + 21 + name_len + 1  # second byte of the little-endian i64
        data = data[:value_at] + bytes([data[value_at] ^ 0x10]) + data[value_at + 1 :]
    if truncate:
        data = data[:truncate]
    return data


def regenerate(directory) -> list[str]:
    """Write every fixture into `directory`; return the file names."""
    from pathlib import Path

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    for file_name in sorted(FIXTURES):
        (out / file_name).write_bytes(fixture_bytes(file_name))
    return sorted(FIXTURES)


if __name__ == "__main__":  # python tests/vmcx_writer.py  -> rewrites fixtures/vmcx/
    from pathlib import Path

    target = Path(__file__).resolve().parents[1] / "fixtures" / "vmcx"
    for name in regenerate(target):
        print(target / name)
