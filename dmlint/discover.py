"""Walk the given paths, apply excludes, and recognise each file's format.

Directories are walked without following symbolic links (no loops); files named on the
command line are always taken, unless an exclude matches them (as ruff's --force-exclude,
so pre-commit's explicit file lists honour the config's excludes). A directory the walk cannot
list becomes a candidate of format "directory", which the reader reports as DM001; a named
file that cannot even be stat'ed (inside a directory we may not search) is still taken, and
the reader says why it cannot be read.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass
from pathlib import Path

FORMATS = {
    ".yaml": "yaml",
    ".yml": "yaml",
    ".xml": "xml",
    ".vmcx": "vmcx",
    ".json": "json",  # recognised by content: plan, Packer template or PowerShell inventory
    ".csv": "csv",  # recognised by content: PowerShell Export-Csv inventory
    ".vmrs": "runtime",  # runtime state: not a configuration
    ".vmgs": "runtime",  # guest state: not a configuration
    ".tf": "terraform",
    ".tfvars": "tfvars",
    ".hcl": "hcl",  # Packer: *.pkr.hcl and *.pkrvars.hcl (readers.read_bytes picks by name)
}
# directories no infrastructure repository wants linted
SKIP_DIRS = {".git", ".hg", ".svn", "__pycache__", ".venv", "venv", "node_modules", ".tox", ".mypy_cache", ".terraform"}


@dataclass(frozen=True, slots=True)
class Candidate:
    path: Path
    display: str  # the path as shown in findings (relative to the cwd where possible)
    fmt: str  # yaml | xml | vmcx | runtime
    explicit: bool  # named on the command line


def format_of(path: Path) -> str | None:
    return FORMATS.get(path.suffix.lower())


def _display(path: Path, cwd: Path) -> str:
    try:
        return path.relative_to(cwd).as_posix()
    except ValueError:
        return path.as_posix()


def _walk(top: Path, cwd: Path, exclude, found: dict) -> None:
    """os.walk without following links (no loops), on strings: Path objects per file cost
    more than reading a small YAML file."""
    cwd_prefix = str(cwd).rstrip("/") + "/"
    top_s = str(top)

    def unlistable(exc: OSError) -> None:  # os.walk skips such a directory silently otherwise
        full = exc.filename if isinstance(exc.filename, str) else top_s
        disp = full[len(cwd_prefix):] if full.startswith(cwd_prefix) else full
        if not (exclude and excluded(disp, exclude)):
            found.setdefault(disp, Candidate(Path(full), disp, "directory", False))

    for root, dirs, files in os.walk(top_s, followlinks=False, onerror=unlistable):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        for name in sorted(files):
            dot = name.rfind(".")
            fmt = FORMATS.get(name[dot:].lower()) if dot > 0 else None
            if fmt is None or fmt == "runtime":
                continue
            full = os.path.join(root, name)
            disp = full[len(cwd_prefix):] if full.startswith(cwd_prefix) else full
            if os.sep != "/":
                disp = disp.replace(os.sep, "/")
            if exclude and excluded(disp, exclude):
                continue
            if disp not in found:
                found[disp] = Candidate(Path(full), disp, fmt, False)


def excluded(display: str, patterns) -> bool:
    parts = display.split("/")
    for pat in patterns:
        pat = pat.rstrip("/")
        if fnmatch.fnmatch(display, pat) or fnmatch.fnmatch(display, f"*/{pat}") or fnmatch.fnmatch(display, f"{pat}/*"):
            return True
        if any(fnmatch.fnmatch(part, pat) for part in parts):
            return True
    return False


def discover(paths, exclude=(), cwd: Path | None = None) -> tuple[list[Candidate], list[tuple[str, str]]]:
    """Return the candidate files, sorted, and (path, message) for paths that do not exist."""
    cwd = cwd or Path.cwd()
    found: dict[str, Candidate] = {}
    missing: list[tuple[str, str]] = []
    for raw in paths:
        p = Path(raw)
        if not p.is_absolute():
            p = cwd / p
        try:
            is_dir = p.is_dir()
            exists = is_dir or p.exists() or p.is_symlink()
        except OSError:  # e.g. inside a directory we may not search: the reader reports it (DM001)
            is_dir, exists = False, True
        if is_dir:
            _walk(p, cwd, exclude, found)
        elif exists:
            disp = _display(p, cwd)
            if excluded(disp, exclude):
                continue
            fmt = format_of(p) or "unknown"
            found[disp] = Candidate(p, disp, fmt, True)
        else:
            missing.append((str(raw), "no such file or directory"))
    return [found[k] for k in sorted(found)], missing
