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
import stat
import subprocess
from pathlib import Path

from dmlint.discover import Candidate, discover
from dmlint.model import ParseResult
from dmlint.readers import MAX_FILE_BYTES, read_bytes

KEEP_BYTES = 64 * 1024 * 1024
_HOST_MARKS = (b"host", "host".encode("utf-16-le"), "host".encode("utf-16-be"))  # YAML host(s):, notes token host=


def project_root(cfg_path: Path | None, cwd: Path | None = None) -> Path | None:
    """The config file's directory, else the git top-level, else the current directory -- but
    never the filesystem root or the home directory: walking those is no project (None)."""
    cwd = (cwd or Path.cwd()).resolve()
    if cfg_path is not None:
        root = Path(cfg_path).resolve().parent
    else:
        root = cwd
        try:
            proc = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=cwd, capture_output=True, timeout=30)
            top = proc.stdout.decode(errors="replace").strip()
            if proc.returncode == 0 and top:
                root = Path(top)
        except (OSError, subprocess.TimeoutExpired):
            pass
    if root == Path(root.anchor) or root == Path.home().resolve():
        return None
    return root


def context_candidates(named: list[Candidate], root: Path | None, exclude=()) -> list[Candidate]:
    """The project's files other than the named ones (the config's excludes apply); none when
    no named file lies inside the project."""
    if root is None or not root.is_dir() or not any(_inside(Path.cwd() / c.display, root) for c in named if c.explicit):
        return []
    found, _ = discover([str(root)], exclude)
    named_real = {os.path.realpath(c.path) for c in named}
    named_display = {c.display for c in named}  # --stdin-filename: the file on disk is the one named
    names = {os.path.basename(p) for p in named_real}  # realpath (syscalls) only where a name matches
    return [c for c in found if c.display not in named_display
            and not (c.path.name in names and os.path.realpath(c.path) in named_real)]


def _inside(path: Path, root: Path) -> bool:
    try:
        Path(os.path.realpath(path)).relative_to(os.path.realpath(root))
    except ValueError:
        return False
    return True


def _read(cand: Candidate) -> bytes | None:
    """A context file's bytes: only regular files, each read bounded; unreadable is no context."""
    try:
        with open(cand.path, "rb") as fh:
            info = os.fstat(fh.fileno())
            if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_FILE_BYTES:
                return None
            return fh.read(info.st_size + 1)  # bounded by the size fstat gave; read(64 MB) would allocate 64 MB
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
