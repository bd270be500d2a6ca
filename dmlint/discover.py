"""Walk the given paths, apply excludes, and recognise each file's format.

Directories are walked without following symbolic links (no loops); files named on the
command line are always taken, unless an exclude matches them (as ruff's --force-exclude,
so pre-commit's explicit file lists honour the config's excludes).
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
    ".vmrs": "runtime",  # runtime state: not a configuration
    ".vmgs": "runtime",  # guest state: not a configuration
}
# directories no infrastructure repository wants linted
SKIP_DIRS = {".git", ".hg", ".svn", "__pycache__", ".venv", "venv", "node_modules", ".tox", ".mypy_cache"}


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
        if p.is_dir():
            for root, dirs, files in os.walk(p, followlinks=False, onerror=None):
                dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
                rootp = Path(root)
                for name in sorted(files):
                    fp = rootp / name
                    fmt = format_of(fp)
                    if fmt is None:
                        continue
                    disp = _display(fp, cwd)
                    if excluded(disp, exclude) or fmt == "runtime":
                        continue
                    found.setdefault(disp, Candidate(fp, disp, fmt, False))
        elif p.exists() or p.is_symlink():
            disp = _display(p, cwd)
            if excluded(disp, exclude):
                continue
            fmt = format_of(p) or "unknown"
            found[disp] = Candidate(p, disp, fmt, True)
        else:
            missing.append((str(raw), "no such file or directory"))
    return [found[k] for k in sorted(found)], missing
