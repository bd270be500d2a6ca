"""The storage layer: every check of formats/vmcx.md §11 on files made by our writer, then broken."""

from __future__ import annotations

import struct

import pytest

from dmlint.readers import vmcx, vmcx_storage
from dmlint.readers.vmcx_storage import StorageError
from vmcx_writer import (
    INT,
    N,
    fix_entry_crc,
    fix_header_crc,
    fix_log_header_crc,
    fix_object_crc,
    node,
    vm_config,
    write,
)

SIZE = "configuration/settings/memory/bank/size"


def make(**kw):
    data, layout = write(vm_config("storage-test", dynamic=True, startup=2048, minimum=1024, maximum=8192, notes="guest_os=win2k19", devices=3), with_layout=True, **kw)
    return bytearray(data), layout


def fails(data, code: str) -> StorageError:
    with pytest.raises(StorageError) as info:
        vmcx_storage.parse(bytes(data))
    assert info.value.code == code, str(info.value)
    assert f"[{code}]" in str(info.value)
    return info.value


def pref_of(layout, path: str) -> tuple[int, int]:
    """(table index, offset in table) of a key, as parent links name it."""
    at = layout.offsets[path]
    return (at - 0x3000) // 0x1000 + 1, (at - 0x3000) % 0x1000


def set_parent(data: bytearray, at: int, table: int, offset: int) -> None:
    struct.pack_into("<HI", data, at + 6, table, offset)
    fix_entry_crc(data, at)


# ---- a clean file -----------------------------------------------------------------------


def test_clean_file_facts():
    data, layout = make()
    st = vmcx_storage.parse(bytes(data))
    assert st.format_version == 0x0400
    assert (st.active_header_copy, st.active_header_sequence) == (0, 25)
    assert st.key_tables == layout.key_tables
    assert st.key_entries == layout.key_entries
    assert st.pending_replay_entries == 0
    assert st.warnings == []
    assert st.root_name == "configuration"
    assert [k.value for k in st.find(SIZE)] == [2048]
    assert st.find(SIZE)[0].path == SIZE
    assert st.find(SIZE)[0].offset == layout.offsets[SIZE]
    assert st.find("configuration/no/such/key") == []


def test_all_value_types_and_repeated_names():
    root = node(
        "root",
        N("i", INT, -5),
        N("u", 4, 2**63 + 1),
        N("d", 5, 2.5),
        N("s", 6, "h\u00e9llo \u20ac"),
        N("empty", 6, ""),
        N("a", 7, b"\x00\x01\xff"),
        N("b", 8, True),
        node("dup", N("x", INT, 1)),
        node("dup", N("x", INT, 2)),
        node("childless"),
    )
    st = vmcx_storage.parse(write(root))
    values = {k.path: k.value for k in st.walk() if not k.is_node}
    assert values["root/i"] == -5
    assert values["root/u"] == 2**63 + 1
    assert values["root/d"] == 2.5
    assert values["root/s"] == "h\u00e9llo \u20ac"
    assert values["root/empty"] == ""
    assert values["root/a"] == b"\x00\x01\xff"
    assert values["root/b"] is True
    assert [k.value for k in st.find("root/dup/x")] == [1, 2]  # both kept, in insertion order
    assert st.find("root/childless")[0].children == []


def test_string_with_trailing_nul_is_stripped_once():
    data, layout = write(node("r", N("s", 6, "abc\0")), with_layout=True)
    assert vmcx_storage.parse(data).find("r/s")[0].value == "abc"


# ---- file and headers -------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 3, 100, 0x1000, 0x2FFF])
def test_too_short(size):
    data, _ = make()
    err = fails(data[:size], "truncated")
    assert f"{size} bytes" in str(err)


def test_not_a_storage_file():
    err = fails(b"vm:\n  name: x\n" * 1000, "bad-signature")
    assert "not a Hyper-V storage file" in str(err)


def test_truncated_inside_the_key_tables():
    data, layout = make()
    with pytest.raises(StorageError) as info:
        vmcx_storage.parse(bytes(data[: 0x3000 + 0x800]))
    assert info.value.code in ("truncated", "object-range")
    assert "past the end of the file" in str(info.value)


def test_bad_signature_in_both_copies():
    data, _ = make()
    data[0:4] = data[0x1000:0x1004] = b"ABCD"
    fails(data, "bad-signature")


def test_header_crc_in_both_copies():
    data, _ = make()
    data[0x20] ^= 1
    data[0x1020] ^= 1
    err = fails(data, "header-crc")
    assert "stored 0x" in str(err) and "computed 0x" in str(err)


def test_one_damaged_copy_is_a_warning_and_dm005():
    data, _ = make()
    data[0x1020] ^= 1  # copy 1, the older one
    st = vmcx_storage.parse(bytes(data))
    assert st.active_header_copy == 0
    assert st.warnings and "copy 1" in st.warnings[0]
    result = vmcx.read(bytes(data), "x.vmcx")
    assert [p.rule for p in result.problems] == ["DM005"]
    assert "copy 1" in result.problems[0].message and "stale" in result.problems[0].message
    assert result.vms[0].startup == 2048


def test_damaged_newer_copy_falls_back_to_the_older():
    data, _ = make()
    data[0x20] ^= 1
    st = vmcx_storage.parse(bytes(data))
    assert (st.active_header_copy, st.active_header_sequence) == (1, 24)


def test_higher_sequence_wins_and_wraps():
    data, _ = make()
    struct.pack_into("<H", data, 0x1008, 26)
    fix_header_crc(data, 1)
    assert vmcx_storage.parse(bytes(data)).active_header_copy == 1
    struct.pack_into("<H", data, 0x0008, 0)
    struct.pack_into("<H", data, 0x1008, 0xFFFF)
    fix_header_crc(data, 0)
    fix_header_crc(data, 1)
    st = vmcx_storage.parse(bytes(data))
    assert (st.active_header_copy, st.active_header_sequence) == (0, 0)


def test_equal_sequences():
    data, _ = make()
    data[0x1000:0x1030] = data[0:0x30]
    assert vmcx_storage.parse(bytes(data)).active_header_sequence == 25  # identical copies: fine
    struct.pack_into("<I", data, 0x1000 + 0x0E, 7)  # data_version differs
    fix_header_crc(data, 1)
    fails(data, "ambiguous-header")


def test_unsupported_format_version():
    data = write(vm_config("v"), format_version=0x0300)
    err = fails(data, "unsupported-format-version")
    assert "3.0" in str(err) and "0x0300" in str(err)


def test_bad_alignment():
    data, _ = make()
    for copy in (0, 1):
        struct.pack_into("<I", data, 0x1000 * copy + 0x16, 0x1800)
        fix_header_crc(data, copy)
    fails(data, "bad-alignment")


def test_file_too_large():
    data, _ = make()
    with pytest.raises(StorageError) as info:
        vmcx_storage.parse(bytes(data), max_bytes=0x4000)
    assert info.value.code == "file-too-large"


# ---- replay log -------------------------------------------------------------------------


def test_replay_log_header_crc():
    data, layout = make()
    data[layout.replay_log_offset + 0x1E] ^= 1
    err = fails(data, "replay-log-header")
    assert err.offset == layout.replay_log_offset


def test_replay_log_location():
    data, _ = make()
    for copy in (0, 1):
        struct.pack_into("<Q", data, 0x1000 * copy + 0x1A, 0x1000)  # inside the header pages
        fix_header_crc(data, copy)
    fails(data, "bad-replay-log-location")


def test_pending_entry_is_reported_not_applied():
    data, layout = make(pending={SIZE: 4096})
    st = vmcx_storage.parse(bytes(data))
    assert st.pending_replay_entries == 1
    assert st.find(SIZE)[0].value == 2048  # the key table's (stale) value
    result = vmcx.read(bytes(data), "dirty.vmcx")
    assert [p.rule for p in result.problems] == ["DM005"]
    assert result.problems[0].message.startswith("the replay log holds 1 pending entry")
    assert result.problems[0].vm == "storage-test"


def test_pending_count_above_slots():
    data, layout = make()
    struct.pack_into("<I", data, layout.replay_log_offset + 8, 146)
    fix_log_header_crc(data, layout.replay_log_offset)
    fails(data, "replay-log-counts")


def test_pending_entry_with_bad_data_is_dm001_and_dm005():
    data, layout = make(pending={SIZE: 4096})
    data[layout.replay_log_offset + 0x1000 + 30] ^= 0xFF  # the logged bytes
    err = fails(data, "replay-log-corrupt")
    assert err.pending_replay_entries == 1
    result = vmcx.read(bytes(data), "dirty.vmcx")
    assert [p.rule for p in result.problems] == ["DM001", "DM005"]
    assert "data checksum mismatch" in result.problems[0].message


def test_pending_entry_checksum():
    data, layout = make(pending={SIZE: 4096})
    data[layout.replay_log_offset + 34] ^= 1  # target offset of entry 0
    fails(data, "replay-log-corrupt")


# ---- object table -----------------------------------------------------------------------


def test_object_entry_crc():
    data, _ = make()
    data[0x2008 + 5] ^= 0x10  # entry 0's offset
    err = fails(data, "object-entry-crc")
    assert "entry 0" in str(err) and err.offset == 0x2008


def test_empty_object_slot_crc_is_checked():
    data, _ = make()
    data[0x2008 + 18 * 200 + 1] ^= 1
    assert "entry 200" in str(fails(data, "object-entry-crc"))


def test_object_table_signature_and_count():
    data, _ = make()
    data[0x2000] ^= 1
    fails(data, "object-table")
    data, _ = make()
    struct.pack_into("<I", data, 0x2004, 100000)
    fails(data, "object-table")


def test_chained_object_table_unsupported():
    data, _ = make()
    data[0x2008] = 1
    fix_object_crc(data, 0)
    fails(data, "object-entry-type")


def test_object_past_end_of_file():
    data, _ = make()
    struct.pack_into("<Q", data, 0x2008 + 5, 0x100000)
    fix_object_crc(data, 0)
    assert "past the end" in str(fails(data, "object-range"))


def test_objects_overlap():
    data, _ = make()
    data[0x2008 + 18 + 5 : 0x2008 + 18 + 13] = data[0x2008 + 5 : 0x2008 + 13]
    fix_object_crc(data, 1)
    assert "overlaps" in str(fails(data, "object-range"))


def test_object_overlapping_the_replay_log():
    data, layout = make()
    struct.pack_into("<Q", data, 0x2008 + 5, layout.replay_log_offset)
    fix_object_crc(data, 0)
    assert "replay log" in str(fails(data, "object-range"))


# ---- key tables and entries -------------------------------------------------------------


def test_key_table_header_crc():
    data, _ = make()
    data[0x3004] ^= 1
    assert fails(data, "key-table").offset == 0x3000


def test_duplicate_key_table_index():
    data, _ = make()
    struct.pack_into("<H", data, 0x4002, 1)
    struct.pack_into("<I", data, 0x4006, 0)
    import zlib

    struct.pack_into("<I", data, 0x4006, zlib.crc32(bytes(data[0x4000:0x400A])))
    assert "used twice" in str(fails(data, "key-table"))


def test_entry_crc_names_the_key_path_and_offset():
    data, layout = make()
    at = layout.offsets[SIZE]
    data[at + 21 + 5 + 1] ^= 0x10  # a byte of the value
    err = fails(data, "entry-crc")
    assert err.key == SIZE
    assert err.offset == at
    assert f"key {SIZE}" in str(err) and f"byte offset {at:#x}" in str(err)
    result = vmcx.read(bytes(data), "bad.vmcx")
    assert [p.rule for p in result.problems] == ["DM001"]
    assert result.problems[0].location.key == SIZE
    assert result.vms == []


def test_slack_is_not_checksummed():
    data, layout = make()
    at = layout.offsets[SIZE]
    data[at + 21 + 5 + 8 + 3] ^= 0xFF  # the 12 bytes of slack after the value
    assert vmcx_storage.parse(bytes(data)).find(SIZE)[0].value == 2048


def test_dangling_parent():
    data, layout = make()
    at = layout.offsets[SIZE]
    set_parent(data, at, 1, 0x0FF0)
    err = fails(data, "bad-parent")
    assert "dangling" in str(err) and err.offset == at


def test_parent_in_table_zero():
    data, layout = make()
    set_parent(data, layout.offsets[SIZE], 0, 0x40)
    fails(data, "bad-parent")


def test_parent_is_not_a_node():
    data, layout = make()
    set_parent(data, layout.offsets[SIZE], *pref_of(layout, "configuration/settings/memory/bank/limit"))
    assert "not a node" in str(fails(data, "bad-parent"))


def test_parent_cycle_is_rejected_not_dropped():
    data, layout = make()
    memory = layout.offsets["configuration/settings/memory"]
    set_parent(data, memory, *pref_of(layout, "configuration/settings/memory/bank"))
    err = fails(data, "unreachable-entries")
    assert "'memory'" in str(err) or "'bank'" in str(err)


def test_self_parent():
    data, layout = make()
    bank = layout.offsets["configuration/settings/memory/bank"]
    set_parent(data, bank, *pref_of(layout, "configuration/settings/memory/bank"))
    fails(data, "unreachable-entries")


def test_overlong_string_length():
    data, layout = make()
    at = layout.offsets["configuration/properties/name"]
    struct.pack_into("<I", data, at + 21 + 5, 0xFFFFFFF0)
    assert "content needs" in str(fails(data, "entry-size"))


def test_odd_string_length():
    data, layout = make()
    at = layout.offsets["configuration/properties/name"]
    (n,) = struct.unpack_from("<I", data, at + 21 + 5)
    struct.pack_into("<I", data, at + 21 + 5, n - 1)
    fix_entry_crc(data, at)
    assert "odd byte length" in str(fails(data, "bad-string"))


def test_lone_surrogate_is_replaced_not_rejected():
    """Windows strings may hold unpaired surrogates; the CRC says the bytes are Hyper-V's own."""
    data, layout = make()
    at = layout.offsets["configuration/properties/name"]
    data[at + 21 + 5 + 4 : at + 21 + 5 + 6] = b"\x00\xd8"  # a lone high surrogate replaces "s"
    fix_entry_crc(data, at)
    st = vmcx_storage.parse(bytes(data))
    assert st.find("configuration/properties/name")[0].value == "\ufffdtorage-test"


@pytest.mark.parametrize("etype", [0, 2, 10, 255])
def test_unknown_key_type(etype):
    data, layout = make()
    data[layout.offsets[SIZE]] = etype
    fails(data, "unknown-key-type")


def test_entry_size_too_small_and_too_big():
    data, layout = make()
    struct.pack_into("<I", data, layout.offsets[SIZE] + 2, 20)
    fails(data, "entry-size")
    data, layout = make()
    struct.pack_into("<I", data, layout.offsets[SIZE] + 2, 0xFFFFFFFF)
    fails(data, "entry-size")


def test_name_not_terminated():
    data, layout = make()
    at = layout.offsets[SIZE]
    data[at + 21 + 4] = ord("x")  # the NUL after "size"
    fix_entry_crc(data, at)
    fails(data, "bad-name")


def test_name_length_zero():
    data, layout = make()
    data[layout.offsets[SIZE] + 20] = 0
    fails(data, "bad-name")


def test_file_object_pointer_outside_any_object():
    data, layout = make()
    at = layout.offsets["configuration/properties/creation_time"]
    data[at + 1] |= 0x01  # flag: value lives in a file object
    name_end = at + 21 + len("creation_time") + 1
    struct.pack_into("<IQ", data, name_end, 16, 0x3000)
    fix_entry_crc(data, at, name_end + 12)
    assert "file object" in str(fails(data, "file-object-range"))


# ---- bounds on hostile input ------------------------------------------------------------


def test_key_count_is_capped(monkeypatch):
    monkeypatch.setattr(vmcx_storage, "MAX_KEYS", 50)
    data, _ = make()
    assert "more than 50 keys" in str(fails(data, "too-many-keys"))


def test_table_of_tiny_free_entries_is_bounded():
    """A 4 MiB key table of 21-byte Free entries: ~200,000 steps, stopped by the key cap."""
    import time

    from vmcx_writer import free_entry

    data, layout = write(vm_config("big-table"), with_layout=True, table_size=0x400000)
    data = bytearray(data)
    # find where the writer's closing Free entry starts: walk the table
    pos = 0x300A
    while pos < 0x3000 + 0x400000:
        etype, size = data[pos], struct.unpack_from("<I", data, pos + 2)[0]
        if etype == 1:
            break
        pos += size
    end = 0x3000 + 0x400000
    assert end - pos > 0x300000  # the table is mostly free space
    count, tail = divmod(end - pos, 21)
    blob = free_entry(21) * (count - 1) + free_entry(21 + tail)
    data[pos:end] = blob
    start = time.perf_counter()
    err = fails(data, "too-many-keys")
    assert time.perf_counter() - start < 5
    assert err.offset is not None
