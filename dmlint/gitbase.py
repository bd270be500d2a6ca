"""Records as they were at a git revision (`check --base REF`), for change rules (DM401).

The files being checked are looked up at REF in one `git cat-file --batch` call and read
with the same readers; nothing in the work tree is touched.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from dmlint.readers import read_bytes


class GitBaseError(Exception):
    """--base cannot be used here: not a git checkout, or an unknown revision (exit 2)."""


def _git(args, cwd: Path, input_bytes: bytes | None = None) -> bytes:
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, input=input_bytes, capture_output=True, timeout=120)
    except FileNotFoundError:
        raise GitBaseError("--base needs git, which is not installed") from None
    except subprocess.TimeoutExpired:
        raise GitBaseError(f"git {' '.join(args)} took longer than 120 s") from None
    if proc.returncode != 0:
        raise GitBaseError(proc.stderr.decode(errors="replace").strip() or f"git {' '.join(args)} failed")
    return proc.stdout


def records_at(ref: str, candidates, cwd: Path | None = None) -> dict:
    """{VM name: VM record as of `ref`} for the candidates that existed there."""
    cwd = cwd or Path.cwd()
    wanted = [c for c in candidates if c.fmt in ("yaml", "xml", "vmcx")]
    if not wanted:
        return {}
    anchor = wanted[0].path.resolve().parent
    top = Path(_git(["rev-parse", "--show-toplevel"], anchor).decode().strip())
    try:
        _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], top)
    except GitBaseError:
        raise GitBaseError(f"--base {ref!r} is not a revision of the repository at {top}") from None
    rel = []
    for c in wanted:
        try:
            rel.append((c, c.path.resolve().relative_to(top).as_posix()))
        except ValueError:
            continue  # outside the repository: it has no base version
    request = "".join(f"{ref}:{path}\n" for _, path in rel).encode()
    out = _git(["cat-file", "--batch"], top, request)
    previous = {}
    pos = 0
    for cand, _ in rel:
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        pos = end + 1
        if len(header) < 3 or header[-1] == b"missing" or header[1] != b"blob":
            continue
        size = int(header[2])
        data = out[pos:pos + size]
        pos += size + 1
        for vm in read_bytes(data, cand.display, cand.fmt).vms:
            previous.setdefault(vm.name, vm)
    return previous
