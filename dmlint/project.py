"""The rest of the project, for files named on the command line (pre-commit passes only the
changed ones): the fleet pass must still see every host and every placed VM, or a VM file
committed alone names an "undefined" host (DM306).

The project root is the configuration file's directory, else the git top-level, else the
current directory. Its other files are read for the hosts and placed VMs that bear on the
named files only (see `gather`): a file whose bytes name none of the hosts that matter is
never parsed, and nothing found in these files is reported -- findings stay on the named files.
"""

from __future__ import annotations

import os
from pathlib import Path

from dmlint.discover import SKIP_DIRS, Candidate, discover
from dmlint.model import ParseResult
from dmlint.readers import read_bytes

KEEP_BYTES = 64 * 1024 * 1024
MAX_ENTRIES = 50_000  # files and directories under a git or config root; a repository of 2,000 VM files has far fewer
GUESSED_ENTRIES = 5_000  # under the current directory when neither marks a project
_HOST_MARKS = (b"host", "host".encode("utf-16-le"), "host".encode("utf-16-be"))  # YAML host(s):, notes token host=


def project_root(cfg_path: Path | None, cwd: Path | None = None) -> Path | None:
    """The config file's directory, else the git top-level, else the current directory -- but
    never the filesystem root or the home directory: walking those is no project (None)."""
    cwd = (cwd or Path.cwd()).resolve()
    if cfg_path is not None:
        root = Path(cfg_path).resolve().parent
    else:  # the git top-level: the nearest directory holding .git (a directory, or a file in a worktree);
        # looked up without starting git, which would cost more than checking a small file
        root = next((d for d in (cwd, *cwd.parents) if (d / ".git").exists()), cwd)
    if root == Path(root.anchor) or root == Path.home().resolve():
        return None
    return root


def _too_big(root: Path, budget: int) -> bool:
    """Does the tree under `root` hold more than `budget` entries? Stops counting at the budget."""
    seen = 0
    for _, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS]
        seen += len(dirs) + len(files)
        if seen > budget:
            return True
    return False


def context_candidates(named: list[Candidate], root: Path | None, exclude=()) -> tuple[list[Candidate], str | None]:
    """(the project's files other than the named ones, a note or None). The config's excludes
    apply; no files when no named file lies inside the project, or when the project holds
    more than MAX_ENTRIES entries (then the note says so: reading it would cost more than the
    check)."""
    if root is None or not root.is_dir() or not any(_inside(Path.cwd() / c.display, root) for c in named if c.explicit):
        return [], None
    from dmlint.config import CONFIG_NAMES

    marked = (root / ".git").exists() or any((root / name).is_file() for name in CONFIG_NAMES)
    budget = MAX_ENTRIES if marked else GUESSED_ENTRIES  # the current directory is only a guess
    if _too_big(root, budget):
        return [], (f"{root} holds more than {budget} files and directories: the fleet pass sees only "
                    "the named files (put a .dmlint.yaml at the project's root to mark it)")
    found, _ = discover([str(root)], exclude)
    named_real = {os.path.realpath(c.path) for c in named}
    named_display = {c.display for c in named}  # --stdin-filename: the file on disk is the one named
    names = {os.path.basename(p) for p in named_real}  # realpath (syscalls) only where a name matches
    return [c for c in found if c.display not in named_display
            and not (c.path.name in names and os.path.realpath(c.path) in named_real)], None


def _inside(path: Path, root: Path) -> bool:
    try:
        Path(os.path.realpath(path)).relative_to(os.path.realpath(root))
    except ValueError:
        return False
    return True


def _read(cand: Candidate) -> bytes | None:
    return read_regular(cand.path)


def read_regular(path) -> bytes | None:
    """A regular file's bytes, read bounded (dmlint.safeio.read_regular: a FIFO named *.yaml is
    never opened); None for anything else or what cannot be read."""
    from dmlint import safeio

    try:
        return safeio.read_regular(path)
    except OSError:
        return None


def _parse(cand: Candidate, data: bytes) -> ParseResult:
    try:
        return read_bytes(data, cand.display, cand.fmt)
    except Exception:  # a reader bug in a file nobody named must not stop the check
        return ParseResult(ours=False)


def _marks(names) -> tuple:
    """Byte strings that find a name in YAML/XML text (UTF-8) and in UTF-16 exports and VMCX."""
    out = []
    for name in names:
        out += [name.encode("utf-8", "replace"), name.encode("utf-16-le", "replace"), name.encode("utf-16-be", "replace")]
    return tuple(m for m in out if m)


def gather(context: list[Candidate], named_vms, named_hosts, by_mapping: bool = False) -> tuple[list, list]:
    """(VMs, hosts) of the context files that bear on the named files' fleet verdicts.

    1. Files that can define hosts (YAML with `hosts`; formats without a byte test) are parsed.
    2. The names that matter are the named VMs' hosts, the named hosts, every host in their
       clusters (N+1 moves VMs between them), and the named VM and host names (a duplicate).
    3. Another context file is parsed only when its bytes hold one of those names; the rest
       (VMs on unrelated hosts, unrelated YAML) are never parsed.
    With host mappings in the config (a host from a glob over paths or names) every file is parsed."""
    vms, hosts, later = [], [], []
    kept = 0  # bytes held for step 3 (a second read costs more than parsing a small file); bounded
    for cand in context:
        data = _read(cand)
        if data is None:
            continue
        if by_mapping or cand.fmt not in ("yaml", "xml", "vmcx") or (cand.fmt == "yaml" and b"hosts" in data):
            result = _parse(cand, data)
            vms.extend(result.vms)
            hosts.extend(result.hosts)
        elif any(m in data for m in _HOST_MARKS):
            keep = kept + len(data) <= KEEP_BYTES
            kept += len(data) if keep else 0
            later.append((cand, data if keep else None))
    all_hosts = {h.name: h for h in [*hosts, *named_hosts]}
    wanted = {vm.host for vm in named_vms if vm.host} | {h.name for h in named_hosts}
    clusters = {all_hosts[n].cluster for n in wanted if n in all_hosts and all_hosts[n].cluster}
    wanted |= {h.name for h in all_hosts.values() if h.cluster in clusters}
    wanted |= {vm.name for vm in named_vms}
    marks = _marks(sorted(wanted))
    for cand, data in later:
        if data is None:
            data = _read(cand)
        if data is not None and any(m in data for m in marks):
            result = _parse(cand, data)
            vms.extend(result.vms)
            hosts.extend(result.hosts)
    return vms, hosts
