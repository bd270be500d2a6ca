"""The records every reader produces and every rule reads.

All sizes are integer MB (MiB). A record remembers, per field, where its value came from
(`Location`), so a finding can point at the exact value: a YAML/XML line and column, or a
VMCX key path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import NamedTuple


class Severity(IntEnum):
    INFO = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, text: str) -> "Severity":
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (error, warning, info)") from None

    def __str__(self) -> str:
        return self.name.lower()


class Location(NamedTuple):
    """Where a value was written. line/column are 1-based; 0 means unknown.

    `key` is a structural path for formats without lines (VMCX:
    ``configuration/settings/memory/bank/size``). A tuple: immutable and cheap to make,
    which matters as every value of every record has one."""

    path: str
    line: int = 0
    column: int = 0
    key: str | None = None

    def sort_key(self) -> tuple:
        return (self.path, self.line, self.column)


VM_STATES = ("running", "off", "saved", "paused")


@dataclass(slots=True, eq=False)
class VM:
    name: str
    source: Location
    fmt: str = "yaml"  # yaml | xml | vmcx
    generation: int = 2
    hyperv_version: str | None = None  # host version the VM targets: 2012 ... 2025
    config_version: str | None = None  # exports: "5.0", "9.0", ...
    guest_os: str | None = None
    host: str | None = None
    state: str = "running"
    clustered: bool = False
    dynamic: bool = False
    startup: int | None = None
    minimum: int | None = None
    maximum: int | None = None
    buffer: int = 20
    weight: int = 50
    demand: int | None = None
    notes: str | None = None
    # None: the input does not say (DM205 then reports them as not checked)
    processors: int | None = None  # virtual processor count
    secure_boot: bool | None = None
    tpm: bool | None = None
    # field name -> where it was written; a field absent here falls back to `source`
    where: dict = field(default_factory=dict)
    # size field -> the text the user wrote ("8GB"), for messages; absent where a reader keeps none
    written: dict = field(default_factory=dict)

    def loc(self, name: str | None) -> Location:
        if name is None:
            return self.source
        return self.where.get(name, self.source)

    def size(self, name: str) -> str:
        """A size field as messages show it: "8GB (8192 MB)", or "8192 MB" when the user wrote MB."""
        from dmlint.wording import size_text

        return size_text(getattr(self, name), self.written.get(name))


@dataclass(slots=True, eq=False)
class Host:
    name: str
    source: Location
    memory: int = 0  # physical MB
    cluster: str | None = None
    hyperv_version: str | None = None
    reserve: int | None = None  # MB; None = estimate
    where: dict = field(default_factory=dict)
    written: dict = field(default_factory=dict)  # as VM.written

    def loc(self, name: str | None) -> Location:
        if name is None:
            return self.source
        return self.where.get(name, self.source)

    def size(self, name: str) -> str:
        from dmlint.wording import size_text

        return size_text(getattr(self, name), self.written.get(name))


@dataclass(slots=True)
class Finding:
    rule: str
    severity: Severity
    message: str
    location: Location
    vm: str | None = None
    host: str | None = None
    name: str = ""  # the rule's kebab-case name
    field: str | None = None  # the record attribute it points at (stable identity for baselines/fingerprints)

    def sort_key(self) -> tuple:
        loc = self.location
        return (loc.path, loc.line, loc.column, self.rule, loc.key or "", self.message)

    def as_dict(self) -> dict:
        loc = self.location
        out = {
            "rule": self.rule,
            "name": self.name,
            "severity": str(self.severity),
            "message": self.message,
            "path": loc.path,
            "line": loc.line,
            "column": loc.column,
            "vm": self.vm,
        }
        if loc.key:
            out["key"] = loc.key
        if self.host is not None:
            out["host"] = self.host
        return out


@dataclass(slots=True)
class Problem:
    """A finding raised by a reader (DM001-DM005), before the registry gives it a severity."""

    rule: str
    message: str
    location: Location
    vm: str | None = None


@dataclass(slots=True)
class ParseResult:
    """What a reader returns for one file: records and problems. Never raises."""

    vms: list = field(default_factory=list)
    hosts: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    ours: bool = True  # False: the file is not a dmlint input (skip silently)
    # optional suppression comments found in the file: line -> set of rule ids (or {"*"})
    line_suppressions: dict = field(default_factory=dict)
    file_suppressions: set = field(default_factory=set)
