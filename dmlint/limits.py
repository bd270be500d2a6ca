"""Hyper-V version limits: the data in rules/data/hyperv_versions.yaml as an object rules can ask.

    limits = load_limits()
    limits.vm_max_mb("2019", 2)            -> (12582912, "a Gen 2 VM on Hyper-V 2019")
    limits.vm_max_mb(None, 1)              -> (1048576, "a Gen 1 VM")
    limits.version_for_config("9.0")       -> "2019"

Every figure, with its source URL, lives in the YAML file; this module holds no number of its
own. Sizes are integer MB.

Policy where the host version is not known (`version` None or not in the table):
  * Gen 1: 1 TB, the Gen 1 figure of every version.
  * Gen 2: the largest limit any host could give this VM, so the rule never fires falsely.
    A configuration version below the large-memory threshold (8.0, "Large memory VMs") caps
    the VM at the Gen 1 / pre-2016 figure wherever it runs; otherwise the VM may run on the
    newest host (every host from `version_for_config(cv)` on accepts it, and the figures only
    grow), so the newest version's Gen 2 figure applies.
The large-memory threshold also applies when the host version is known: a Gen 2 VM at
configuration 5.0 on a 2019 host cannot use more than 1 TB.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

try:
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

DATA_FILE = "hyperv_versions.yaml"
_CONFIG = re.compile(r"^\s*(\d{1,3})(?:\.(\d{1,3}))?\s*$")


class LimitsDataError(Exception):
    """rules/data/hyperv_versions.yaml is missing or malformed (a packaging bug)."""


def parse_config_version(raw) -> tuple[int, int] | None:
    """'9.0' -> (9, 0); '8.3' -> (8, 3); 10 -> (10, 0); 2304 (XML major*256+minor) -> (9, 0).

    Anything else -> None."""
    if raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        if raw < 0:
            return None
        if raw >= 256:  # the XML export's integer form: major*256 + minor
            return (raw // 256, raw % 256)
        return (raw, 0)
    if isinstance(raw, float):
        raw = repr(raw)
    if not isinstance(raw, str):
        return None
    m = _CONFIG.match(raw)
    if not m:
        return None
    return (int(m.group(1)), int(m.group(2) or 0))


def _fmt_config(cv: tuple[int, int]) -> str:
    return f"{cv[0]}.{cv[1]}"


@dataclass(frozen=True, slots=True)
class HostVersion:
    key: str  # "2012r2"
    label: str  # "2012 R2"
    max_mb: dict  # generation -> MB
    max_source: dict  # generation -> URL
    default_config: tuple  # (major, minor)
    default_config_source: str
    # (oldest, newest) configuration version the host runs, either end None = not known; None: no data
    config_range: tuple | None = None
    config_range_source: str | None = None


@dataclass(frozen=True, slots=True)
class Limits:
    versions: tuple  # HostVersion, oldest first
    minimum_mb: int
    alignment_mb: int
    buffer_min: int
    buffer_max: int
    weight_min: int
    weight_max: int
    wmi_weight_max: int
    wmi_weight_factor: int
    large_memory_min_config: tuple
    sources: dict  # fact name -> URL

    # -- look-ups -------------------------------------------------------------------------

    def version(self, key) -> HostVersion | None:
        for v in self.versions:
            if v.key == key:
                return v
        return None

    def label(self, key) -> str:
        v = self.version(key)
        return v.label if v else str(key)

    def version_for_config(self, config_version) -> str | None:
        """The oldest host version whose default configuration version is >= the VM's.

        A VM at configuration 9.0 was made on (or upgraded for) 2019 or later, so it runs on
        2019 or later. None when the configuration version is not understood or is newer
        than every known host's default."""
        cv = parse_config_version(config_version)
        if cv is None:
            return None
        for v in self.versions:
            if v.default_config >= cv:
                return v.key
        return None

    def vm_max_mb(self, version, generation: int, config_version=None) -> tuple[int, str]:
        """(limit in MB, why) for one VM: "why" completes "the ... MB per-VM limit for ___".

        See the module docstring for the policy where `version` is unknown."""
        gen = 1 if generation == 1 else 2
        cv = parse_config_version(config_version)
        host = self.version(version)
        if gen == 1:
            # every version gives Gen 1 the same figure; name the host when we know it
            figures = [host] if host else list(self.versions)
            return max(v.max_mb[1] for v in figures), "a Gen 1 VM"
        if cv is not None and cv < self.large_memory_min_config:
            small = min(v.max_mb[2] for v in self.versions)
            if host is None or host.max_mb[2] > small:
                return small, (
                    f"a Gen 2 VM at configuration version {_fmt_config(cv)} "
                    f"(large-memory VMs need {_fmt_config(self.large_memory_min_config)})"
                )
        if host is not None:
            return host.max_mb[2], f"a Gen 2 VM on Hyper-V {host.label}"
        newest = max(reversed(self.versions), key=lambda v: v.max_mb[2])
        return newest.max_mb[2], f"a Gen 2 VM on any Hyper-V version up to {newest.label}"


# -- loading ----------------------------------------------------------------------------------


def _need(mapping, key, where):
    if not isinstance(mapping, dict) or key not in mapping:
        raise LimitsDataError(f"{DATA_FILE}: {where} lacks {key!r}")
    return mapping[key]


def _int(mapping, key, where) -> int:
    value = _need(mapping, key, where)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise LimitsDataError(f"{DATA_FILE}: {where}.{key} is not a whole number: {value!r}")
    return value


def _source(mapping, where) -> str:
    src = _need(mapping, "source", where)
    if not isinstance(src, str) or not src.startswith("https://"):
        raise LimitsDataError(f"{DATA_FILE}: {where}.source is not an https URL: {src!r}")
    return src


def _config(mapping, where) -> tuple[int, int]:
    cv = parse_config_version(_need(mapping, "value", where))
    if cv is None:
        raise LimitsDataError(f"{DATA_FILE}: {where}.value is not a configuration version")
    return cv


def build_limits(data) -> Limits:
    """Validate the parsed YAML and build the Limits object (raises LimitsDataError)."""
    if not isinstance(data, dict):
        raise LimitsDataError(f"{DATA_FILE}: not a mapping")
    raw_versions = _need(data, "versions", "document")
    if not isinstance(raw_versions, dict) or not raw_versions:
        raise LimitsDataError(f"{DATA_FILE}: versions is empty")
    versions = []
    for key, entry in raw_versions.items():
        where = f"versions.{key}"
        mem = _need(entry, "vm_max_memory_mb", where)
        max_mb, max_src = {}, {}
        for gen in (1, 2):
            fig = _need(mem, f"gen{gen}", f"{where}.vm_max_memory_mb")
            max_mb[gen] = _int(fig, "value", f"{where}.gen{gen}")
            max_src[gen] = _source(fig, f"{where}.gen{gen}")
        dcv = _need(entry, "default_config_version", where)
        rng = entry.get("supported_config_versions")
        config_range = None
        if rng is not None:
            ends = tuple(_config({"value": rng[k]}, f"{where}.supported_config_versions.{k}") if k in rng else None for k in ("min", "max"))
            if ends == (None, None):
                raise LimitsDataError(f"{DATA_FILE}: {where}.supported_config_versions has neither min nor max")
            config_range = ends
        versions.append(
            HostVersion(
                key=str(key),
                label=str(entry.get("label", key)),
                max_mb=max_mb,
                max_source=max_src,
                default_config=_config(dcv, f"{where}.default_config_version"),
                default_config_source=_source(dcv, f"{where}.default_config_version"),
                config_range=config_range,
                config_range_source=_source(rng, f"{where}.supported_config_versions") if rng is not None else None,
            )
        )
    for older, newer in zip(versions, versions[1:]):
        if newer.default_config < older.default_config:
            raise LimitsDataError(f"{DATA_FILE}: versions are not oldest first ({older.key} before {newer.key})")
    glob = _need(data, "global", "document")
    facts = {
        "large_memory": _need(glob, "large_memory_min_config_version", "global"),
        "minimum": _need(glob, "minimum_memory_mb", "global"),
        "alignment": _need(glob, "memory_alignment_mb", "global"),
        "buffer": _need(glob, "buffer_percent", "global"),
        "weight": _need(glob, "weight", "global"),
        "wmi_weight": _need(glob, "wmi_weight_scale", "global"),
    }
    sources = {name: _source(fact, f"global.{name}") for name, fact in facts.items()}
    limits = Limits(
        versions=tuple(versions),
        minimum_mb=_int(facts["minimum"], "value", "global.minimum_memory_mb"),
        alignment_mb=_int(facts["alignment"], "value", "global.memory_alignment_mb"),
        buffer_min=_int(facts["buffer"], "min", "global.buffer_percent"),
        buffer_max=_int(facts["buffer"], "max", "global.buffer_percent"),
        weight_min=_int(facts["weight"], "min", "global.weight"),
        weight_max=_int(facts["weight"], "max", "global.weight"),
        wmi_weight_max=_int(facts["wmi_weight"], "max", "global.wmi_weight_scale"),
        wmi_weight_factor=_int(facts["wmi_weight"], "factor", "global.wmi_weight_scale"),
        large_memory_min_config=_config(facts["large_memory"], "global.large_memory_min_config_version"),
        sources=sources,
    )
    if limits.alignment_mb < 1 or limits.wmi_weight_factor < 1:
        raise LimitsDataError(f"{DATA_FILE}: alignment and WMI weight factor must be at least 1")
    return limits


def data_path() -> Path:
    from dmlint.engine import builtin_rules_dir

    return builtin_rules_dir() / "data" / DATA_FILE


@lru_cache(maxsize=1)
def load_limits() -> Limits:
    path = data_path()
    try:
        with open(path, "rb") as fh:
            data = yaml.load(fh, Loader=_Loader)
    except OSError as exc:
        raise LimitsDataError(f"cannot read {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise LimitsDataError(f"{path}: not valid YAML: {exc}") from None
    return build_limits(data)
