"""Readers turn one file's bytes into records, or problems. None of them ever raises."""

from __future__ import annotations

from dmlint.model import Location, ParseResult, Problem
from dmlint.safeio import MAX_FILE_BYTES, NotRegular, TooLarge, describe_error, read_regular


def _too_large(display: str, size: int) -> ParseResult:
    result = ParseResult()
    result.problems.append(Problem("DM001", f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB ({size} bytes): not a plausible configuration file", Location(display, 0, 0)))
    return result


def read_bytes(data: bytes, display: str, fmt: str) -> ParseResult:
    """Dispatch to the format's reader. The size limit is checked here, once for all formats."""
    if len(data) > MAX_FILE_BYTES:
        return _too_large(display, len(data))
    if fmt == "yaml":
        from dmlint.readers import yaml_reader

        return yaml_reader.read(data, display)
    if fmt == "xml":
        from dmlint.readers import hyperv_xml

        return hyperv_xml.read(data, display)
    if fmt == "vmcx":
        from dmlint.readers import vmcx

        return vmcx.read(data, display)
    if fmt == "json":
        from dmlint.readers import json_reader

        return json_reader.read(data, display)
    if fmt == "csv":
        from dmlint.readers import csv_reader

        return csv_reader.read(data, display)
    if fmt in ("terraform", "tfvars", "hcl"):
        from dmlint.readers import hcl_dispatch

        return hcl_dispatch.read(data, display, fmt)
    result = ParseResult()
    if fmt == "runtime":
        result.problems.append(Problem("DM001", "runtime-state file (.vmrs/.vmgs), not a VM configuration: not checked; point dmlint at the .vmcx beside it", Location(display, 0, 0)))
    else:
        result.problems.append(Problem("DM001", "not a format dmlint reads (.yaml, .yml, .xml, .vmcx, .tf, .tfvars, .pkr.hcl, .pkrvars.hcl)", Location(display, 0, 0)))
    return result


def _unlistable_directory(path, display: str) -> ParseResult:
    import os

    try:
        with os.scandir(path):
            return ParseResult(ours=False)
    except OSError as exc:
        result = ParseResult()
        result.problems.append(Problem("DM001", f"cannot read directory: {exc.strerror or exc}: its files are not checked", Location(display, 0, 0)))
        return result


def read_file(path, display: str, fmt: str) -> ParseResult:
    """Read a file (never writing to it) and parse it. Only a regular file is read, up to
    MAX_FILE_BYTES (dmlint.safeio.read_regular): a FIFO or device is DM001, never opened.
    A "directory" candidate is one the walk could not list: DM001 if it still cannot be."""
    if fmt == "directory":
        return _unlistable_directory(path, display)
    try:
        data = read_regular(path, MAX_FILE_BYTES)
    except NotRegular as exc:
        if exc.kind == "a directory":
            return ParseResult(ours=False)
        result = ParseResult()
        result.problems.append(Problem("DM001", f"{exc}: not read", Location(display, 0, 0)))
        return result
    except TooLarge as exc:
        return _too_large(display, exc.size)  # known from stat: not read at all
    except OSError as exc:
        result = ParseResult()
        result.problems.append(Problem("DM001", f"cannot read file: {describe_error(exc)}", Location(display, 0, 0)))
        return result
    try:
        return read_bytes(data, display, fmt)  # each reader takes suppressions from its own comments
    except Exception as exc:  # last line of defence: a reader bug must not hide other files
        result = ParseResult()
        result.problems.append(Problem("DM001", f"internal error while reading ({type(exc).__name__}: {exc}); please report it", Location(display, 0, 0)))
        return result
