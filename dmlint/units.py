"""Sizes and percentages.

A bare number is MB, as in Hyper-V's XML and WMI (`Msvm_MemorySettingData` counts in
"byte * 2^20"). Strings carry a binary unit as PowerShell's `4GB` does: B, KB, MB, GB, TB
(also KiB, MiB, GiB, TiB), case-insensitive. Everything is returned as whole MB.
"""

from __future__ import annotations

import math
import re

from dmlint.wording import show_value

MB_PER = {
    "b": None,  # bytes: handled separately (must be whole MB)
    "kb": None,
    "kib": None,
    "mb": 1,
    "mib": 1,
    "gb": 1024,
    "gib": 1024,
    "tb": 1024 * 1024,
    "tib": 1024 * 1024,
}
BYTES_PER = {"b": 1, "kb": 1024, "kib": 1024}

# Larger than any host Hyper-V supports (4 PB with 5-level paging, hyperv-facts.md §3): such a
# number is a mistake, most often a byte count written where MB are expected.
IMPLAUSIBLE_MB = 4 * 1024**3

_SIZE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([a-z]*)\s*$", re.IGNORECASE)
_PERCENT = re.compile(r"^\s*(-?[0-9]+)\s*%?\s*$")


class UnitError(ValueError):
    """A size or percentage that cannot be understood (DM003)."""


def _check_plausible(mb: int, raw) -> int:
    if mb <= 0:
        raise UnitError(f"size {show_value(raw)} is zero: a memory size must be at least 1 MB")
    if mb > IMPLAUSIBLE_MB:
        from dmlint.plausible import byte_count_hint

        hint = byte_count_hint(mb)
        raise UnitError(f"size {show_value(raw)} is implausible: {mb} MB is more than any Hyper-V host holds{hint}")
    return mb


def parse_size(raw) -> int:
    """Return `raw` in whole MB or raise UnitError with a message naming the value."""
    if isinstance(raw, bool) or raw is None:
        raise UnitError(f"size {show_value(raw)} is not a number with a unit")
    if isinstance(raw, int):
        if raw < 0:
            raise UnitError(f"size {raw} is negative")
        return _check_plausible(raw, raw)
    if isinstance(raw, float):
        if not math.isfinite(raw) or raw < 0:
            raise UnitError(f"size {show_value(raw)} is not a positive number")
        if raw != int(raw):
            raise UnitError(f"size {show_value(raw)} is not a whole number of MB")
        return _check_plausible(int(raw), raw)
    if not isinstance(raw, str):
        raise UnitError(f"size {show_value(raw)} is not a number or a string such as '4GB'")
    text = raw.strip()
    if text.startswith("-"):
        raise UnitError(f"size {show_value(raw)} is negative")
    m = _SIZE.match(text)
    if not m:
        raise UnitError(f"size {show_value(raw)} is not understood: write MB as a number, or a string such as '512MB', '4GB', '1.5GB', '1TB'")
    number, unit = m.group(1), m.group(2).lower()
    if len(number) > 30:
        raise UnitError(f"size {show_value(raw)} has too many digits")
    if unit == "":
        unit = "mb"
    if unit not in MB_PER:
        raise UnitError(f"size {show_value(raw)} has an unknown unit {m.group(2)!r} (B, KB, MB, GB, TB; KiB, MiB, GiB, TiB)")
    # exact arithmetic: '1.5GB' -> 1536 MB, never a float rounding error
    if "." in number:
        whole, frac = number.split(".")
        scaled = int(whole + frac)
        denom = 10 ** len(frac)
    else:
        scaled, denom = int(number), 1
    if unit in BYTES_PER:
        num = scaled * BYTES_PER[unit]
        den = denom * 1024 * 1024
        if num < den and num > 0:
            raise UnitError(f"size {show_value(raw)} is implausible: less than 1 MB (a missing unit? '512' alone means 512 MB)")
    else:
        num = scaled * MB_PER[unit]
        den = denom
    if num % den:
        raise UnitError(f"size {show_value(raw)} is not a whole number of MB")
    return _check_plausible(num // den, raw)


def parse_percent(raw) -> int:
    """A whole percentage: 20 or '20%'. Range checks are rules' business (DM106)."""
    if isinstance(raw, bool) or raw is None:
        raise UnitError(f"percentage {show_value(raw)} is not a number")
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, float) and math.isfinite(raw) and raw == int(raw):
        value = int(raw)
    elif isinstance(raw, str) and _PERCENT.match(raw):
        value = int(_PERCENT.match(raw).group(1))
    else:
        raise UnitError(f"percentage {show_value(raw)} is not a whole number such as 20 or '20%'")
    if value < 0:
        raise UnitError(f"percentage {show_value(raw)} is negative")
    return value


def parse_int(raw, what: str) -> int:
    """A whole, non-negative number (weight). Range checks are rules' business (DM107)."""
    if isinstance(raw, bool) or raw is None:
        raise UnitError(f"{what} {show_value(raw)} is not a whole number")
    if isinstance(raw, float) and math.isfinite(raw) and raw == int(raw):
        raw = int(raw)
    if isinstance(raw, str) and raw.strip().lstrip("-").isdigit() and len(raw) < 20:
        raw = int(raw)
    if not isinstance(raw, int):
        raise UnitError(f"{what} {show_value(raw)} is not a whole number")
    if raw < 0:
        raise UnitError(f"{what} {raw} is negative")
    return raw


def fmt_mb(mb: int) -> str:
    """Human form used in messages: '4096 MB'."""
    return f"{mb} MB"
