"""Exact values and boundaries of units.py, written against the mutants cosmic-ray left alive
(tests/mutation/run.py units): each case pins a figure or a comparison a mutant changed."""

from __future__ import annotations

import pytest

from dmlint.units import IMPLAUSIBLE_MB, UnitError, parse_int, parse_percent, parse_size


def error(raw, parse=parse_size, *args) -> str:
    with pytest.raises(UnitError) as exc:
        parse(raw, *args)
    return str(exc.value)


def test_the_implausible_bound_is_4_pb_exactly():
    # larger than any host Hyper-V supports (4 PB with 5-level paging, hyperv-facts.md §3)
    assert IMPLAUSIBLE_MB == 4 * 1024 * 1024 * 1024
    assert parse_size(IMPLAUSIBLE_MB) == IMPLAUSIBLE_MB
    assert parse_size("4096TB") == IMPLAUSIBLE_MB
    assert "implausible" in error(IMPLAUSIBLE_MB + 1)
    assert "implausible" in error("4097TB")


def test_kilobytes_count_1024_bytes():
    assert parse_size("1048576KiB") == 1024
    assert parse_size("1048576kb") == 1024
    assert parse_size("2097152B") == 2
    assert parse_size("1048576B") == 1
    assert "less than 1 MB" in error("1048575B")
    assert "less than 1 MB" in error("1023KiB")
    assert parse_size("1049600KiB") == 1025
    assert "not a whole number of MB" in error("1049601KiB")


def test_a_byte_count_hint_names_the_mb_it_would_be():
    message = error(8 * 1024**4)  # 8 TiB written in bytes where MB are meant
    assert "more than any Hyper-V host holds" in message
    assert "8388608 MB" in message
    assert "byte count" not in error(IMPLAUSIBLE_MB + 1)  # not a whole number of MiB as bytes


def test_numbers_without_a_unit_are_mb():
    assert parse_size("512") == 512 and parse_size(" 2048 ") == 2048
    assert parse_size(2048.0) == 2048
    assert "not a whole number of MB" in error(1.5)
    assert "not a positive number" in error(-1.0)
    assert "not a positive number" in error(float("nan"))
    assert "negative" in error(-5)
    assert "zero" in error(0) and "zero" in error("0GB") and "zero" in error("0B")


def test_digit_limit():
    assert "too many digits" in error("1" * 31)
    assert "too many digits" not in error("1" * 30)  # 30 digits are read (and implausible)
    assert "implausible" in error("1" * 30)


def test_percentages():
    assert parse_percent(0) == 0 and parse_percent(2000) == 2000
    assert parse_percent(20.0) == 20 and parse_percent("20 %") == 20
    assert "negative" in error(-1, parse_percent)
    assert "negative" in error("-5%", parse_percent)
    for bad in (True, None, 2.5, float("inf"), "5x", "%", [20]):
        assert "percentage" in error(bad, parse_percent)


def test_whole_numbers():
    assert parse_int(0, "weight") == 0 and parse_int(100.0, "weight") == 100
    assert parse_int(" 42 ", "weight") == 42
    assert parse_int("9" * 19, "weight") == int("9" * 19)
    assert "not a whole number" in error("9" * 20, parse_int, "weight")
    assert "weight -3 is negative" in error("-3", parse_int, "weight")
    for bad in (True, None, 1.5, "x", "1.0"):
        assert "not a whole number" in error(bad, parse_int, "weight")


def test_boundaries_the_second_mutation_run_found():
    assert "zero" in error(0.0)  # a float 0 is zero, not "not a positive number"
    assert "not a whole number of MB" in error(0.5)
    assert "less than 1 MB" in error("1B")
    assert "not a whole number" in error(-2.5, parse_percent)
    assert "not a whole number" in error(-2.5, parse_int, "weight")
    assert "not a whole number" in error("9" * 25, parse_int, "weight")
