"""Every figure in rules/data/*.yaml carries a source URL and a confidence mark, and every
guest OS id is a libosinfo short-id (tests/data/osinfo-short-ids.txt, a committed snapshot:
the osinfo-db package need not be installed)."""

from __future__ import annotations

import pytest
import yaml

from conftest import REPO

DATA = REPO / "rules" / "data"
MARKS = {"verified", "secondary", "inferred", "unverified"}
OSINFO_IDS = REPO / "tests" / "data" / "osinfo-short-ids.txt"
# keys that make a mapping a figure (a number, a yes/no or a version someone could get wrong)
FIGURE_KEYS = {"value", "min", "max", "mb", "supported", "applies", "base_mb", "per_gb_mb", "minimum", "startup", "maximum", "min_ram_mb", "generation"}


def _load(name):
    with open(DATA / name, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=yaml.SafeLoader)


def _figures(node, path=()):
    """(path, mapping) for every mapping in `node` that holds a figure."""
    if isinstance(node, dict):
        if FIGURE_KEYS & set(node):
            yield path, node
        for key, value in node.items():
            yield from _figures(value, path + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _figures(value, path + (i,))


def _problems_inline(data) -> list:
    """Files whose figures carry `source: https://...` and `status:` themselves."""
    out = []
    for path, fig in _figures(data):
        src = fig.get("source")
        if not (isinstance(src, str) and src.startswith("https://")):
            out.append(f"{'.'.join(map(str, path))}: no https source ({src!r})")
        if fig.get("status") not in MARKS:
            out.append(f"{'.'.join(map(str, path))}: confidence mark {fig.get('status')!r} is not one of {sorted(MARKS)}")
    return out


def _problems_catalogue(data) -> list:
    """guest_os.yaml: a figure names a source key; the source holds the URL and the mark."""
    out = []
    sources = data["sources"]
    for key, src in sources.items():
        if not str(src.get("url", "")).startswith("https://"):
            out.append(f"sources.{key}: no https url")
        if src.get("status") not in MARKS:
            out.append(f"sources.{key}: confidence mark {src.get('status')!r} is not one of {sorted(MARKS)}")
    for path, fig in _figures({k: v for k, v in data.items() if k != "sources"}):
        if fig.get("source") not in sources:
            out.append(f"{'.'.join(map(str, path))}: source {fig.get('source')!r} is not a key of sources")
    return out


def _tool_figures(node, path=(), inherited=None):
    """(path, mapping, source) for every mapping with a `value` or `number`; the source is its
    own or the nearest enclosing mapping's (a table under one `source:`)."""
    if isinstance(node, dict):
        src = node.get("source", inherited)
        if "value" in node or "number" in node:
            yield path, node, src
        for key, value in node.items():
            yield from _tool_figures(value, path + (key,), src)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _tool_figures(value, path + (i,), inherited)


def _problems_tool_source(data) -> list:
    """Defaults read from a tool's own source or documentation (Terraform provider, Packer
    plugin, PowerShell cmdlets): each figure links the line it was read from. Read from the
    code that applies them, they carry no confidence mark."""
    figures = list(_tool_figures(data))
    if not figures:
        return ["no figures found (the walker is broken)"]
    return [f"{'.'.join(map(str, path))}: no https source ({src!r})" for path, _, src in figures
            if not (isinstance(src, str) and src.startswith("https://"))]


CHECKERS = {
    "guest_os.yaml": _problems_catalogue,
    "hyperv_versions.yaml": _problems_inline,
    "fleet.yaml": _problems_inline,
    "hyperv_host.yaml": _problems_inline,
    "terraform_hyperv.yaml": _problems_tool_source,
    "packer_hyperv.yaml": _problems_tool_source,
    "powershell_inventory.yaml": _problems_tool_source,
}


def test_every_data_file_is_checked():
    assert sorted(p.name for p in DATA.glob("*.yaml")) == sorted(CHECKERS)


@pytest.mark.parametrize("name", sorted(CHECKERS))
def test_every_figure_has_a_source_url_and_a_confidence_mark(name):
    data = _load(name)
    if CHECKERS[name] is not _problems_tool_source:
        assert list(_figures(data)), f"{name}: no figures found (the walker is broken)"
    assert CHECKERS[name](data) == []


@pytest.mark.parametrize(
    "name,break_it,fragment",
    [
        ("hyperv_versions.yaml", lambda d: d["global"]["weight"].pop("status"), "global.weight: confidence mark None"),
        ("hyperv_versions.yaml", lambda d: d["versions"]["2019"]["vm_max_memory_mb"]["gen2"].__setitem__("source", "http://x"), "gen2: no https source"),
        ("fleet.yaml", lambda d: d["vm_overhead_mb"].__setitem__("status", "guessed"), "'guessed' is not one of"),
        ("guest_os.yaml", lambda d: d["sources"]["ws-hw"].__setitem__("status", "maybe"), "sources.ws-hw: confidence mark 'maybe'"),
        ("guest_os.yaml", lambda d: d["guests"][0]["max_ram"][0].__setitem__("source", "nowhere"), "'nowhere' is not a key of sources"),
        ("terraform_hyperv.yaml", lambda d: d["defaults"]["generation"].pop("source"), "defaults.generation: no https source"),
        ("powershell_inventory.yaml", lambda d: d["vm_state"].__setitem__("source", "see the docs"), "vm_state.values.Other: no https source"),
    ],
)
def test_a_figure_without_source_or_mark_is_caught(name, break_it, fragment):
    data = _load(name)
    break_it(data)
    problems = CHECKERS[name](data)
    assert any(fragment in p for p in problems), problems


# ---------------------------------------------------------------- libosinfo ids
def _osinfo_ids() -> set:
    lines = OSINFO_IDS.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("# libosinfo osinfo-db short-ids"), "the snapshot lost its provenance header"
    assert any("commit " in line for line in lines if line.startswith("#")), "the snapshot must name the osinfo-db commit it was made from"
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def _id_problems(guests, known) -> list:
    out = []
    for entry in guests:
        if entry.get("osinfo_id", True) and entry["id"] not in known:
            out.append(f"{entry['id']}: not a libosinfo short-id (say osinfo_id: false if it names a release series)")
        if not entry.get("osinfo_id", True) and not entry.get("ids"):
            out.append(f"{entry['id']}: a release-series id needs the libosinfo ids of its releases in `ids`")
        out.extend(f"{entry['id']}: ids entry {i!r} is not a libosinfo short-id (make it an alias)" for i in entry.get("ids", []) if i not in known)
    return out


def test_snapshot_is_a_plausible_osinfo_list():
    known = _osinfo_ids()
    assert len(known) > 800
    assert {"win2k19", "rhel9.0", "ubuntu22.04", "sle15sp5", "freebsd14.0"} <= known


def test_every_guest_id_is_a_libosinfo_short_id():
    assert _id_problems(_load("guest_os.yaml")["guests"], _osinfo_ids()) == []


def test_a_misspelt_id_is_caught():
    guests = [{"id": "sles15", "ids": ["sles15sp5"]}, {"id": "rhel9", "osinfo_id": False, "ids": ["rhel9.0"]}, {"id": "x", "osinfo_id": False}]
    assert _id_problems(guests, {"sle15", "sle15sp5", "rhel9.0"}) == [
        "sles15: not a libosinfo short-id (say osinfo_id: false if it names a release series)",
        "sles15: ids entry 'sles15sp5' is not a libosinfo short-id (make it an alias)",
        "x: a release-series id needs the libosinfo ids of its releases in `ids`",
    ]
