"""Records as they were at a git revision (`check --base REF`), for change rules (DM401).

VMs are matched by name, not by path: the checked files are looked up at REF in one `git
cat-file --batch` call, and a VM not found there (a renamed or moved file) is looked for in
the rest of the tree at REF. Files are read with the same readers; nothing in the work tree
is touched.
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


def _blobs(out: bytes, paths):
    """Split `git cat-file --batch` output into (path, bytes or None) in request order."""
    pos = 0
    for path in paths:
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        pos = end + 1
        if len(header) < 3 or header[-1] == b"missing" or header[1] != b"blob":
            yield path, None
            continue
        size = int(header[2])
        yield path, out[pos:pos + size]
        pos += size + 1


class BaseRecords:
    """{VM name: VM record as of `ref`}, matched by name across the whole tree at `ref`.

    The checked files' own paths are read first (one `git cat-file --batch`). A VM not found
    there -- its file was renamed or moved, or it is new -- is looked for in the rest of the
    tree at `ref`: those blobs are fetched once, and only blobs whose bytes hold the name are
    parsed."""

    def __init__(self, ref: str, top: Path, rel: list):
        self.ref, self.top = ref, top
        self.records: dict = {}
        self._rest: list | None = None  # [(path, fmt, data)] of the other files at ref
        self._parsed: set = set()
        self._seen = {path for _, path in rel}
        request = "".join(f"{ref}:{path}\n" for _, path in rel).encode()
        out = _git(["cat-file", "--batch"], top, request) if rel else b""
        for (cand, _), (_, data) in zip(rel, _blobs(out, [p for _, p in rel])):
            if data is not None:
                self._add(read_bytes(data, cand.display, cand.fmt).vms)

    def _add(self, vms) -> None:
        for vm in vms:
            self.records.setdefault(vm.name, vm)

    def _load_rest(self) -> list:
        from dmlint.discover import FORMATS

        listing = _git(["ls-tree", "-r", "-z", "--name-only", self.ref], self.top)
        paths = []
        for raw in listing.split(b"\0"):
            path = raw.decode("utf-8", "surrogateescape")
            fmt = FORMATS.get(Path(path).suffix.lower())
            if path and fmt not in (None, "runtime") and path not in self._seen:
                paths.append((path, fmt))
        if not paths:
            return []
        out = _git(["cat-file", "--batch"], self.top, "".join(f"{self.ref}:{p}\n" for p, _ in paths).encode())
        return [(p, fmt, data) for (p, fmt), (_, data) in zip(paths, _blobs(out, [p for p, _ in paths])) if data is not None]

    def get(self, name):
        if name in self.records or not name:
            return self.records.get(name)
        if self._rest is None:
            self._rest = self._load_rest()
        marks = [m for m in (name.encode("utf-8", "replace"), name.encode("utf-16-le", "replace"), name.encode("utf-16-be", "replace")) if m]
        for path, fmt, data in self._rest:
            if path not in self._parsed and any(m in data for m in marks):
                self._parsed.add(path)
                self._add(read_bytes(data, f"{path} (at {self.ref})", fmt).vms)
        return self.records.get(name)


def records_at(ref: str, candidates, cwd: Path | None = None) -> BaseRecords | dict:
    """The VM records as of `ref`, looked up by name (`.get(name)`)."""
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
    return BaseRecords(ref, top, rel)
