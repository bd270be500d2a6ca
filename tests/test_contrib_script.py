"""contrib/Get-DmlintInventory.ps1: parses as Windows PowerShell 5.1 syntax (no pwsh here:
tree-sitter-powershell's grammar, which has none of PowerShell 7's `??`, `?.` or ternary
operators), and writes exactly the properties the inventory reader knows."""

from __future__ import annotations

import re

import tree_sitter
import tree_sitter_powershell

from conftest import REPO
from dmlint.readers import ps_inventory

SCRIPT = REPO / "contrib" / "Get-DmlintInventory.ps1"


def _parse(source: bytes):
    parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_powershell.language()))
    return parser.parse(source)


def _problems(tree, source: bytes) -> list[str]:
    out, stack = [], [tree.root_node]
    while stack:
        node = stack.pop()
        if node.type == "ERROR" or node.is_missing:
            out.append(f"line {node.start_point[0] + 1}: {node.type} {source[node.start_byte:node.end_byte][:40]!r}")
        if node.type in ("&&", "||"):  # PowerShell 7 pipeline chain operators
            out.append(f"line {node.start_point[0] + 1}: pipeline chain {node.type} (PowerShell 7 only)")
        stack.extend(node.children)
    return out


def test_the_checker_rejects_powershell_7_syntax():
    for snippet in (b"$a = $b ?? 3\n", b"$c = $x ? 1 : 2\n", b"Get-VM && Get-VMHost\n"):
        assert _problems(_parse(snippet), snippet), snippet


def test_script_parses_as_windows_powershell_5_1():
    source = SCRIPT.read_bytes()
    assert _problems(_parse(source), source) == []
    assert source.startswith(b"#Requires -Version 5.1")
    text = source.decode("utf-8")
    assert text.isascii()  # no encoding question for 5.1, which reads a BOM-less script as ANSI
    assert "UTF8Encoding -ArgumentList $false" in text and "-Depth 4" in text


def _record_properties(text: str, marker: str) -> list[str]:
    body = text.split(marker, 1)[1].split("[pscustomobject][ordered]@{", 1)[1].split("\n    }", 1)[0]
    return re.findall(r"^\s+([A-Za-z]+)\s+=", body, flags=re.M)


def test_script_writes_the_properties_the_reader_reads():
    text = SCRIPT.read_text(encoding="utf-8")
    data = ps_inventory.data()
    known_vm = {p for props in data["vm_props"].values() for p in props}
    known_host = {p for props in data["host_props"].values() for p in props}
    vm_props = _record_properties(text, "function Get-VMRecords")
    host_props = _record_properties(text, "function Get-HostRecord")
    assert "MemoryDemand" in vm_props and "Buffer" in vm_props and "Priority" in vm_props
    assert sorted(p for p in vm_props if p.lower() not in known_vm) == ["MemoryAssigned"]  # written for people, not read
    assert sorted(p for p in host_props if p.lower() not in known_host) == ["OSCaption"]
    assert "Format        = 'dmlint-inventory'" in text
