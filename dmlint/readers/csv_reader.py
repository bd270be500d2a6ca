"""`*.csv`: a PowerShell `Export-Csv` / `ConvertTo-Csv` inventory (SPEC §2.7), recognised by
its header; every other CSV file is skipped silently.

    Get-VM | Select-Object Name, ComputerName, State, MemoryStartup, ... | Export-Csv vms.csv

Windows PowerShell 5.1 starts the file with a `#TYPE Selected.Microsoft.HyperV...` line
(skipped), quotes every field, and writes ASCII (Export-Csv) or UTF-16 LE (`ConvertTo-Csv >`);
PowerShell 7 writes UTF-8 without the #TYPE line. `-UseCulture` writes the list separator
of the locale, so `;` and tab are recognised as well as `,`. Enums are written by name
(State "Running") in both. The header may hold any subset of the properties
(dmlint/readers/ps_inventory.py); an empty field is an absent value.

Findings point at the row's line and the field's column. The csv module's own field size
limit (131072 characters) stands: a longer field is DM001 at its row.
"""

from __future__ import annotations

import csv
import io

from dmlint.model import Location, ParseResult, Problem
from dmlint.readers import ps_inventory as inv
from dmlint.readers.jsontext import TextError, decode, is_utf16

_DELIMITERS = (",", ";", "\t")
SNIFF_BYTES = 65536


def _header(line: str):
    """(delimiter, fields) of the delimiter that makes this a Hyper-V inventory header, or None."""
    best = None
    for delim in _DELIMITERS:
        try:
            fields = next(csv.reader([line], delimiter=delim), [])
        except csv.Error:
            continue
        lower = {f.strip().lower() for f in fields}
        if inv.kind_of(lower) is None:
            continue
        score = len(lower)
        if best is None or score > best[0]:
            best = (score, delim, fields)
    return None if best is None else best[1:]


def _first_lines(text: str):
    """(number of the header line, header line): past a `#TYPE` line and a UTF-8 BOM."""
    lines = text[:SNIFF_BYTES].split("\n", 2)
    if lines and lines[0].startswith("#TYPE"):
        return 2, (lines[1] if len(lines) > 1 else "")
    return 1, lines[0]


def _columns(line: str, fields: list, delim: str):
    """1-based character column of each field in a one-line row, or None if it does not add up."""
    line = line.rstrip("\r\n")
    cols, pos = [], 0
    for f in fields:
        cols.append(pos + 1)
        if line[pos:pos + 1] == '"':
            pos += 2 + len(f) + f.count('"')
        else:
            pos += len(f)
        pos += len(delim)
    return cols if pos - len(delim) == len(line) else None


def read(data: bytes, display: str) -> ParseResult:
    """Never raises."""
    try:
        head, _ = decode(data if len(data) <= SNIFF_BYTES else _cut(data), nul_ok=True)
    except TextError:
        head = None
    if head is not None:
        _, line = _first_lines(head)
        if _header(line) is None:
            return ParseResult(ours=False)
    try:
        text, _ = decode(data)
    except TextError as exc:
        if head is None:
            return ParseResult(ours=False)
        result = ParseResult()
        result.problems.append(Problem("DM001", str(exc), Location(display, 0, 0, key=f"byte {exc.offset}")))
        return result
    number, line = _first_lines(text)
    found = _header(line)
    if found is None:
        return ParseResult(ours=False)
    delim, _ = found
    return _rows(text, number, delim, display)


def _cut(data: bytes) -> bytes:
    """The first SNIFF_BYTES bytes, cut at a line end so no character is split."""
    cut = data[:SNIFF_BYTES]
    if is_utf16(cut):
        return cut[: len(cut) - (len(cut) % 2)]
    end = cut.rfind(b"\n")
    return cut[: end + 1] if end > 0 else cut


def _rows(text: str, header_line: int, delim: str, display: str) -> ParseResult:
    result = ParseResult()
    src = io.StringIO(text, newline="")
    if header_line == 2:
        src.readline()
    consumed: list[str] = []

    def lines():
        for raw in src:
            consumed.append(raw)
            yield raw

    reader = csv.reader(lines(), delimiter=delim)
    base = header_line - 1  # lines before the header
    pairs = []
    try:
        header = next(reader)
        names = [h.strip() for h in header]
        kind = inv.kind_of({n.lower() for n in names})
        consumed.clear()
        done = base + reader.line_num
        for row in reader:
            row_line = done + 1
            done = base + reader.line_num
            raw = consumed[:]
            consumed.clear()
            if not row or all(not f for f in row):
                continue
            cols = _columns(raw[0], row, delim) if len(raw) == 1 else None
            props, where_col = {}, {}
            for i, value in enumerate(row):
                if i >= len(names) or not names[i]:
                    continue
                if value == "":
                    continue  # Export-Csv writes a $null property as an empty field
                props.setdefault(names[i].lower(), (names[i], value))
                where_col.setdefault(names[i], cols[i] if cols else 1)
            if len(row) > len(names):
                result.problems.append(Problem("DM002", f"row has {len(row)} fields but the header names {len(names)}", Location(display, row_line, 1)))
            source = Location(display, row_line, 1)

            def locate(name, _line=row_line, _cols=where_col):
                return Location(display, _line, _cols.get(name, 1))

            if kind == "host":
                host, fields, problems = inv.build_host(props, locate, source)
                host.where = {attr: locate(name) for attr, name in fields.items()}
                result.hosts.append(host)
            else:
                vm, fields, problems = inv.build_vm(props, locate, source, "inventory")
                vm.where = {attr: locate(name) for attr, name in fields.items()}
                pairs.append((inv.is_memory_record(props.keys()), vm))
            result.problems.extend(problems)
    except csv.Error as exc:
        result.problems.append(Problem("DM001", f"CSV error: {exc}", Location(display, base + reader.line_num, 1)))
    result.vms = inv.merge_memory_records(pairs)
    return result
