"""Readers turn one file's bytes into records, or problems. None of them ever raises."""

from __future__ import annotations

import os
import stat

from dmlint.model import Location, ParseResult, Problem

MAX_FILE_BYTES = 64 * 1024 * 1024  # far beyond any VM configuration; the one size limit of every reader


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
    if fmt in ("terraform", "tfvars", "hcl"):
        from dmlint.readers import hcl_dispatch

        return hcl_dispatch.read(data, display, fmt)
    result = ParseResult()
    if fmt == "runtime":
        result.problems.append(Problem("DM001", "runtime-state file (.vmrs/.vmgs), not a VM configuration: not checked; point dmlint at the .vmcx beside it", Location(display, 0, 0)))
    else:
        result.problems.append(Problem("DM001", "not a format dmlint reads (.yaml, .yml, .xml, .vmcx, .tf, .tfvars, .pkr.hcl, .pkrvars.hcl)", Location(display, 0, 0)))
    return result


def read_file(path, display: str, fmt: str) -> ParseResult:
    """Read a file (never writing to it) and parse it."""
    try:
        with open(path, "rb") as fh:
            info = os.fstat(fh.fileno())
            if stat.S_ISREG(info.st_mode) and info.st_size <= MAX_FILE_BYTES:
                # the size is known, so read() allocates just that; read(n) with a 64 MB n
                # costs more than parsing a small YAML file
                data = fh.read()
            elif stat.S_ISREG(info.st_mode):
                return _too_large(display, info.st_size)  # known from fstat: not read at all
            else:  # a FIFO or device: a bounded read (read_bytes reports what is too large)
                data = fh.read(MAX_FILE_BYTES + 1)
    except IsADirectoryError:
        return ParseResult(ours=False)
    except OSError as exc:
        result = ParseResult()
        result.problems.append(Problem("DM001", f"cannot read file: {exc.strerror or exc}", Location(display, 0, 0)))
        return result
    try:
        result = read_bytes(data, display, fmt)
        if fmt in ("yaml", "xml") and result.ours:
            from dmlint.suppress import scan

            result.line_suppressions, result.file_suppressions = scan(data)
        return result
    except Exception as exc:  # last line of defence: a reader bug must not hide other files
        result = ParseResult()
        result.problems.append(Problem("DM001", f"internal error while reading ({type(exc).__name__}: {exc}); please report it", Location(display, 0, 0)))
        return result
