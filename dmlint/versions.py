"""Hyper-V host version names: the canonical spelling every record uses."""

from __future__ import annotations

KNOWN = ("2012", "2012r2", "2016", "2019", "2022", "2025")


def normalise_version(raw) -> str | None:
    """'2012R2', '2012 R2', 2019, 'Windows Server 2019' -> '2012r2', '2019'. Unknown -> None."""
    if raw is None or isinstance(raw, bool):
        return None
    text = str(raw).strip().lower().replace("windows server", "").replace(" ", "").replace("-", "")
    return text if text in KNOWN else None
