"""The guest OS catalogue (`rules/data/guest_os.yaml`): what each guest OS needs and supports.

A guest OS is named by a libosinfo short-id (`win2k19`, `ubuntu22.04`, `rhel9.4`) or an alias
(`Windows Server 2019`, `RHEL 9`), case-insensitively and ignoring spaces, hyphens and
underscores, optionally followed by qualifiers: an installation option (`core`, `desktop`,
`server`), an architecture (`x86`/`32-bit`/`i686`, `x64`) and an edition (`professional`,
`enterprise`, `datacenter` ...): `win2k19-core`, `Windows 7 Professional`,
`ubuntu22.04-i386`, `win10 pro x86`.

`load_catalog()` reads the YAML once (C loader, a few milliseconds) and only when a rule
asks for it. `Catalog.guest(text)` returns a `GuestOS`: the entry's figures already
narrowed to the given option, architecture and edition, each with its source URL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_SPLIT = re.compile(r"[\s_\-(),/;:]+")
_NOISE = {"lts", "edition", "microsoft", "sp0"}


def _tokens(text: str) -> list[str]:
    return [t for t in _SPLIT.split(text.strip().lower()) if t and t not in _NOISE]


def _compact(tokens) -> str:
    return "".join(tokens)


def _common_prefix(a: str, b: str) -> str:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return a[:n]


@dataclass(frozen=True, slots=True)
class Figure:
    """One sourced value: a size in MB (or None: no documented figure), or a yes/no."""

    value: object
    source: str  # URL
    status: str  # verified | secondary | inferred | unverified
    note: str | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class GuestOS:
    """A catalogue entry narrowed to one option / architecture / edition."""

    id: str  # the entry's canonical id (win2k19, rhel9 ...)
    name: str  # Windows Server 2019
    family: str  # windows | linux | freebsd
    written: str  # what the input said
    option: str | None  # resolved installation option (given or the entry's default)
    option_given: bool
    arch: str  # x64 | x86
    edition: str | None
    label: str  # human name with qualifiers: "Windows 7 Professional (32-bit)"
    min_install_ram: Figure  # .value MB or None
    dynamic_memory: Figure  # .value True / False / None (depends on what was not said)
    max_ram: Figure  # .value MB or None
    requires_generation: int | None
    requires_min_ram: int | None
    requires_source: str | None
    requires_secure_boot: bool
    requires_tpm: bool
    requires_processors: int | None
    dm_128mb_multiples: Figure | None  # Linux only
    bpa_floors: Figure | None  # Windows only: does the BPA memory rule cover this guest
    other_options: tuple  # ((option, MB), ...) other installation options and their minimums


class Catalog:
    def __init__(self, data: dict):
        self.data = data
        self.sources = data["sources"]
        self.floors = data.get("bpa_floors", {})
        self.entries = {e["id"]: e for e in data["guests"]}
        self.qualifiers = data.get("qualifiers", {})
        # compact key -> entry id, for ids and aliases
        self.index: dict[str, str] = {}
        self.names: dict[str, str] = {}  # compact key -> the spelling to suggest
        for entry in data["guests"]:
            for name in [entry["id"], *entry.get("ids", [])]:
                key = _compact(_tokens(name))
                self.index[key] = entry["id"]
                self.names[key] = name
            for alias in entry.get("aliases", []):
                key = _compact(_tokens(alias))
                self.index.setdefault(key, entry["id"])
                self.names.setdefault(key, alias)
        # qualifier phrase (tuple of tokens) -> (kind, value)
        self.phrases: dict[tuple, tuple[str, str]] = {}
        for kind, values in self.qualifiers.items():
            for value, spec in values.items():
                for word in spec.get("words", []):
                    self.phrases[tuple(_tokens(word))] = (kind, value)
        self._cache: dict[str, tuple] = {}

    # ------------------------------------------------------------------ look-up
    def ids(self) -> list[str]:
        """Every libosinfo id the catalogue knows (canonical ids and their minor-release ids)."""
        out = []
        for entry in self.data["guests"]:
            out.append(entry["id"])
            out.extend(entry.get("ids", []))
        return out

    def guest(self, id_or_alias) -> GuestOS | None:
        return self.resolve(id_or_alias)[0]

    def resolve(self, text) -> tuple[GuestOS | None, str | None]:
        """(GuestOS, None) or (None, why it is not understood)."""
        if not isinstance(text, str):
            return None, f"guest OS {text!r} is not a name"
        hit = self._cache.get(text)
        if hit is None:
            hit = self._resolve(text)
            if len(self._cache) < 4096:
                self._cache[text] = hit
        return hit

    def _split(self, text: str):
        """-> (entry id or None, base tokens, {kind: value}, qualifier tokens)"""
        tokens = _tokens(text)
        quals: dict[str, str] = {}
        stripped: list[str] = []
        while tokens:
            key = _compact(tokens)
            if key in self.index:
                return self.index[key], tokens, quals, stripped
            for size in (4, 3, 2, 1):
                if size >= len(tokens):
                    continue
                phrase = tuple(tokens[-size:])
                kind_value = self.phrases.get(phrase)
                if kind_value and kind_value[0] not in quals:
                    quals[kind_value[0]] = kind_value[1]
                    stripped = list(phrase) + stripped
                    tokens = tokens[:-size]
                    break
            else:
                break
        return None, tokens, quals, stripped

    def _resolve(self, text: str):
        entry_id, base, quals, stripped = self._split(text)
        if entry_id is None:
            hint = self._hint(text)
            return None, f"guest OS {text!r} is not in the catalogue{hint}"
        entry = self.entries[entry_id]
        name = entry["name"]
        options = entry.get("options", [])
        option = quals.get("option")
        if option is not None and option not in options:
            known = f" (options: {', '.join(options)})" if options else " (it has no installation options)"
            return None, f"guest OS {text!r}: {name} has no installation option {option!r}{known}"
        arches = entry.get("arches", ["x64"])
        arch = quals.get("arch") or arches[0]
        if arch not in arches:
            label = self.qualifiers["arch"][arch]["label"]
            return None, f"guest OS {text!r}: {name} has no {label} ({arch}) release"
        edition = quals.get("edition")
        editions = entry.get("editions", [])
        if edition is not None and edition not in editions:
            known = f" (editions: {', '.join(editions)})" if editions else ""
            return None, f"guest OS {text!r}: {name} has no edition {edition!r}{known}"
        return self._narrow(entry, text, option, arch, edition), None

    def _hint(self, text: str) -> str:
        sugg = self.suggest(text, 3)
        if not sugg:
            return " (see the list of guest OS ids in the README)"
        quoted = [f"'{s}'" for s in sugg]
        if len(quoted) == 1:
            return f" (did you mean {quoted[0]}?)"
        return f" (did you mean {', '.join(quoted[:-1])} or {quoted[-1]}?)"

    def suggest(self, unknown, n: int = 3) -> list[str]:
        """The nearest ids/aliases to an unknown name, best first, one per OS, qualifiers kept.

        Only names scoring close to the best match are offered (difflib ratio within 0.1),
        so a clear typo gets one answer rather than three."""
        if not isinstance(unknown, str):
            return []
        import difflib  # only needed when a name is unknown

        _, base, _, stripped = self._split(unknown)
        key = _compact(base) or _compact(_tokens(unknown))
        if not key:
            return []
        matcher = difflib.SequenceMatcher()
        matcher.set_seq2(key)
        scored = []
        for name_key in self.names:
            matcher.set_seq1(name_key)
            if matcher.real_quick_ratio() < 0.6 or matcher.quick_ratio() < 0.6:
                continue
            ratio = matcher.ratio()
            if ratio >= 0.6:
                prefix = len(_common_prefix(key, name_key))
                scored.append((-ratio, -prefix, name_key))
        scored.sort()
        out: list[str] = []
        seen_entries = set()
        suffix = "-" + "-".join(stripped) if stripped else ""
        best = -scored[0][0] if scored else 0
        for neg, _, name_key in scored:
            if -neg < best - 0.1 or len(out) >= n:
                break
            entry_id = self.index[name_key]
            if entry_id in seen_entries:
                continue
            seen_entries.add(entry_id)
            out.append(self.names[name_key] + suffix)
        return out

    # ------------------------------------------------------------------ figures
    def _figure(self, rules: list, ctx: dict, key: str) -> Figure:
        for rule in rules:
            when = rule.get("when")
            if when and not all(
                ctx.get(k) in (v if isinstance(v, list) else [v]) for k, v in when.items()
            ):
                continue
            src = self.sources[rule["source"]]
            return Figure(rule.get(key), src["url"], src.get("status", "verified"), rule.get("note"), rule.get("reason"))
        raise ValueError("figure list without a default rule")  # the schema test guarantees one

    def _flag(self, spec: dict | None) -> Figure | None:
        if not spec:
            return None
        src = self.sources[spec["source"]]
        return Figure(bool(spec.get("applies")), src["url"], src.get("status", "verified"), spec.get("note"))

    def _narrow(self, entry: dict, written: str, option, arch, edition) -> GuestOS:
        options = entry.get("options", [])
        option_given = option is not None
        if option is None and options:
            option = options[0]
        ctx = {"option": option, "arch": arch, "edition": edition}
        min_ram = self._figure(entry["min_install_ram"], ctx, "mb")
        others = []
        for other in options:
            if other != option:
                fig = self._figure(entry["min_install_ram"], dict(ctx, option=other), "mb")
                others.append((other, fig.value))
        requires = entry.get("requires") or {}
        req_src = self.sources[requires["source"]]["url"] if requires.get("source") else None
        return GuestOS(
            id=entry["id"],
            name=entry["name"],
            family=entry["family"],
            written=written,
            option=option,
            option_given=option_given,
            arch=arch,
            edition=edition,
            label=self._label(entry, option, arch, edition),
            min_install_ram=min_ram,
            dynamic_memory=self._figure(entry["dynamic_memory"], ctx, "supported"),
            max_ram=self._figure(entry["max_ram"], ctx, "mb"),
            requires_generation=requires.get("generation"),
            requires_min_ram=requires.get("min_ram_mb"),
            requires_source=req_src,
            requires_secure_boot=bool(requires.get("secure_boot")),
            requires_tpm=bool(requires.get("tpm")),
            requires_processors=requires.get("min_processors"),
            dm_128mb_multiples=self._flag(entry.get("dm_128mb_multiples")),
            bpa_floors=self._flag(entry.get("bpa_floors")),
            other_options=tuple(others),
        )

    def _label(self, entry, option, arch, edition) -> str:
        label = entry["name"]
        if edition:
            label += " " + self.qualifiers["edition"][edition]["label"]
        extra = []
        if option and entry.get("options"):
            extra.append(self.option_label(option, entry["family"]))
        if arch == "x86":
            extra.append(self.qualifiers["arch"]["x86"]["label"])
        if extra:
            label += f" ({', '.join(extra)})"
        return label

    def option_label(self, option: str, family: str = "windows") -> str:
        """'Server Core', 'Desktop Experience' (Windows), 'Desktop' (Linux)."""
        spec = self.qualifiers["option"][option]
        return spec.get("family_labels", {}).get(family, spec["label"])


def catalog_path():
    from dmlint.engine import builtin_rules_dir

    return builtin_rules_dir() / "data" / "guest_os.yaml"


@lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(catalog_path(), encoding="utf-8") as fh:
        data = yaml.load(fh, Loader=loader)
    return Catalog(data)
