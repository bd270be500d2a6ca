"""Sizes and percentages: exact binary units, clear errors, never anything but UnitError."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dmlint.units import IMPLAUSIBLE_MB, UnitError, parse_int, parse_percent, parse_size


@pytest.mark.parametrize(
    "raw,mb",
    [(512, 512), ("512", 512), ("512MB", 512), ("512 mb", 512), ("4GB", 4096), ("4gib", 4096), ("1.5GB", 1536),
     ("1TB", 1048576), ("2TiB", 2097152), ("1048576KB", 1024), ("536870912B", 512), (2048.0, 2048), ("0.5GB", 512)],
)
def test_sizes(raw, mb):
    assert parse_size(raw) == mb


@pytest.mark.parametrize(
    "raw,fragment",
    [("4 gigs", "unknown unit 'gigs'"), (-1, "negative"), ("-4GB", "negative"), ("512B", "less than 1 MB"),
     ("1.3MB", "not a whole number of MB"), (0, "zero"), (True, "not a number"), (None, "not a number"),
     ([1], "not a number or a string"), ("4,5GB", "not understood"), (2**42 * 1024, "byte count"),
     (float("inf"), "not a positive number"), ("", "not understood")],
)
def test_size_errors_name_the_value(raw, fragment):
    with pytest.raises(UnitError) as exc:
        parse_size(raw)
    assert fragment in str(exc.value)


def test_percent_and_int():
    assert parse_percent(20) == 20 and parse_percent("25%") == 25 and parse_percent(" 7 ") == 7
    assert parse_int(5000, "weight") == 5000 and parse_int("80", "weight") == 80
    for bad in ("x", -5, 1.5, None):
        with pytest.raises(UnitError):
            parse_percent(bad)
    with pytest.raises(UnitError, match="weight -1 is negative"):
        parse_int(-1, "weight")


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(max_size=40), st.integers(), st.floats(), st.binary(max_size=10), st.none(), st.booleans()))
def test_parse_size_returns_positive_mb_or_unit_error(raw):
    try:
        mb = parse_size(raw)
    except UnitError as exc:
        assert str(exc)
    else:
        assert isinstance(mb, int) and 0 < mb <= IMPLAUSIBLE_MB


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 4096 * 1024), st.sampled_from([("MB", 1), ("GB", 1024), ("GiB", 1024), ("TB", 1048576)]))
def test_unit_round_trip(n, unit):
    name, factor = unit
    if n * factor <= IMPLAUSIBLE_MB:
        assert parse_size(f"{n}{name}") == n * factor
