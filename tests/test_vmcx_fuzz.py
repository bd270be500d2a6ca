"""Hostile VMCX input: byte flips, truncation, garbage, huge lengths.

Properties, on both layers:
- the storage parser raises StorageError and nothing else; the reader never raises and
  returns only reader findings (no "internal error");
- every input is handled within a time bound;
- a corruption never changes the key tree silently: either the file is rejected or it reads
  back exactly as before (every byte that shapes the tree is under a CRC, formats/vmcx.md §9).
"""

from __future__ import annotations

import struct
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import shared_path
from dmlint.model import ParseResult
from dmlint.readers import vmcx, vmcx_storage
from dmlint.readers.vmcx_storage import StorageError
from vmcx_writer import fix_entry_crc, fix_header_crc, fix_log_header_crc, fix_object_crc, vm_config, write

TIME_BOUND = 2.0  # seconds per input; a clean file takes a few milliseconds
READER_RULES = {"DM001", "DM002", "DM003", "DM005"}
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)

BASE, LAYOUT = write(
    vm_config("fuzz-vm", dynamic=True, startup=4096, minimum=1024, maximum=16384, notes="guest_os=win2k19", devices=6),
    with_layout=True,
    pending={"configuration/settings/memory/bank/size": 8192},
)


def tree(keys) -> list:
    return [(k.name, k.type, k.flags, k.value, tree(k.children)) for k in keys]


BASE_TREE = tree(vmcx_storage.parse(BASE).roots)
ENTRY_OFFSETS = sorted(LAYOUT.offsets.values())


def handled(data: bytes):
    """Both layers on `data`, timed. Returns the Storage or None when the file was rejected."""
    start = time.perf_counter()
    try:
        storage = vmcx_storage.parse(data)
    except StorageError as err:
        assert err.code and str(err)
        storage = None
    result = vmcx.read(data, "fuzz.vmcx")
    elapsed = time.perf_counter() - start
    assert elapsed < TIME_BOUND, f"{elapsed:.2f} s for one input"
    assert isinstance(result, ParseResult)
    for p in result.problems:
        assert p.rule in READER_RULES, p
        assert p.message and "internal error" not in p.message, p.message
    if storage is None:
        assert "DM001" in {p.rule for p in result.problems}
    return storage


@FUZZ
@given(st.lists(st.tuples(st.integers(0, len(BASE) - 1), st.integers(1, 255)), min_size=1, max_size=6))
def test_byte_flips_are_caught_or_harmless(flips):
    data = bytearray(BASE)
    for at, mask in flips:
        data[at] ^= mask
    storage = handled(bytes(data))
    if storage is not None:
        assert tree(storage.roots) == BASE_TREE


@FUZZ
@given(st.sampled_from(ENTRY_OFFSETS), st.integers(0, 60), st.integers(1, 255))
def test_flips_inside_key_entries(entry, delta, mask):
    data = bytearray(BASE)
    data[entry + delta] ^= mask
    storage = handled(bytes(data))
    if storage is not None:
        assert tree(storage.roots) == BASE_TREE


@FUZZ
@given(st.integers(0, len(BASE)))
def test_truncation(length):
    storage = handled(BASE[:length])
    if storage is not None:
        assert tree(storage.roots) == BASE_TREE


@FUZZ
@given(st.binary(max_size=0x5000))
def test_garbage(blob):
    assert handled(blob) is None


@FUZZ
@given(st.binary(min_size=1, max_size=0x3000))
def test_garbage_after_valid_headers(blob):
    handled(BASE[:0x3000] + blob)


HUGE = st.sampled_from([0, 1, 20, 21, 0x7FFF, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF, 0x1000, 0xFFF, 0x10000])


@FUZZ
@given(st.sampled_from(ENTRY_OFFSETS), st.sampled_from(["size", "parent_offset", "name_length", "length"]), HUGE, st.booleans())
def test_huge_lengths_in_key_entries(entry, field, value, fix_crc):
    data = bytearray(BASE)
    if field == "size":
        struct.pack_into("<I", data, entry + 2, value)
    elif field == "parent_offset":
        struct.pack_into("<I", data, entry + 8, value)
    elif field == "name_length":
        data[entry + 20] = value & 0xFF
    else:  # the u32 length of a String/Array, or the first data bytes of other types
        name_end = entry + 21 + data[entry + 20]
        struct.pack_into("<I", data, name_end, value)
    if fix_crc:
        try:
            fix_entry_crc(data, entry)
        except (KeyError, struct.error, IndexError):
            pass  # not a shape the writer helper can checksum: the corruption stays as it is
    handled(bytes(data))


@FUZZ
@given(
    st.sampled_from([(0x1A, "<Q"), (0x22, "<Q"), (0x2A, "<I"), (0x16, "<I"), (0x08, "<H"), (0x0A, "<I")]),
    st.sampled_from([0, 1, 0x1000, 0x3000, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF, 2**63, 2**64 - 1]),
)
def test_huge_values_in_headers(field, value):
    offset, fmt = field
    data = bytearray(BASE)
    limit = 2 ** (8 * struct.calcsize(fmt)) - 1
    for copy in (0, 1):
        struct.pack_into(fmt, data, 0x1000 * copy + offset, min(value, limit))
        fix_header_crc(data, copy)
    handled(bytes(data))


@FUZZ
@given(st.integers(0, 4), st.sampled_from([(5, "<Q"), (13, "<I"), (0, "<B")]), st.sampled_from([0, 1, 4, 0x1000, 0x3000, 0xFFFFFFFF, 2**40, 2**64 - 1]))
def test_huge_values_in_object_entries(index, field, value):
    offset, fmt = field
    data = bytearray(BASE)
    limit = 2 ** (8 * struct.calcsize(fmt)) - 1
    struct.pack_into(fmt, data, 0x2008 + 18 * index + offset, min(value, limit))
    fix_object_crc(data, index)
    handled(bytes(data))


@FUZZ
@given(st.sampled_from([(8, "<I"), (0x0D, "<I"), (34, "<Q"), (42, "<I"), (50, "<Q")]), st.sampled_from([0, 1, 145, 146, 0xFFFF, 0xFFFFFFFF, 2**63]))
def test_huge_values_in_the_replay_log(field, value):
    offset, fmt = field
    data = bytearray(BASE)
    log = LAYOUT.replay_log_offset
    limit = 2 ** (8 * struct.calcsize(fmt)) - 1
    struct.pack_into(fmt, data, log + offset, min(value, limit))
    fix_log_header_crc(data, log)
    handled(bytes(data))


def test_many_pending_entries_stay_bounded():
    """The largest log a 64 MiB file could claim is still checked in bounded time."""
    data = bytearray(BASE)
    log = LAYOUT.replay_log_offset
    struct.pack_into("<I", data, log + 8, 145)  # every slot live
    fix_log_header_crc(data, log)
    handled(bytes(data))


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.data())
def test_byte_flips_in_a_real_sample(draw):
    sample = shared_path("samples", "vmcx", "test.vmcx").read_bytes()
    original = tree(vmcx_storage.parse(sample).roots)
    flips = draw.draw(st.lists(st.tuples(st.integers(0, len(sample) - 1), st.integers(1, 255)), min_size=1, max_size=4))
    data = bytearray(sample)
    for at, mask in flips:
        data[at] ^= mask
    storage = handled(bytes(data))
    if storage is not None:
        assert tree(storage.roots) == original


# ---- writer and reader agree on any tree ------------------------------------------------

from vmcx_writer import N  # noqa: E402

_NAMES = st.text(alphabet=st.characters(blacklist_characters="\0", blacklist_categories=("Cs",)), min_size=1, max_size=24)
_LEAVES = st.one_of(
    st.builds(lambda n, v: N(n, 3, v), _NAMES, st.integers(-(2**63), 2**63 - 1)),
    st.builds(lambda n, v: N(n, 4, v), _NAMES, st.integers(0, 2**64 - 1)),
    st.builds(lambda n, v: N(n, 5, v), _NAMES, st.floats(allow_nan=False)),
    st.builds(lambda n, v: N(n, 6, v), _NAMES, st.text(max_size=200).filter(lambda t: not t.endswith("\0"))),
    st.builds(lambda n, v: N(n, 7, v), _NAMES, st.binary(max_size=300)),
    st.builds(lambda n, v: N(n, 8, v), _NAMES, st.booleans()),
)
_TREES = st.recursive(
    _LEAVES,
    lambda kids: st.builds(lambda n, c, f: N(n, 9, None, c, f), _NAMES, st.lists(kids, max_size=6), st.sampled_from([0, 2])),
    max_leaves=40,
)


def _spec(n: N) -> tuple:
    return (n.name, n.type, n.flags, n.value, [_spec(c) for c in n.children])


@settings(max_examples=80, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_TREES, min_size=1, max_size=3))
def test_any_tree_round_trips(roots):
    storage = vmcx_storage.parse(write(roots))
    assert tree(storage.roots) == [_spec(r) for r in roots]
    assert storage.key_entries == sum(1 for _ in storage.walk())
