"""Reading and writing files a pull request may have planted: bounded, regular files only, atomic.

Reading (`read_regular`): the path is `stat`ed first and only a regular file is opened — a FIFO,
a device (`/dev/zero`, `/dev/stdin`, a tape that rewinds on open), a socket or a directory is
refused without being opened; the file is then opened with O_NONBLOCK (a FIFO swapped in
between cannot block the open) and O_NOCTTY, checked again with `fstat`, and read up to the
size `fstat` reported, never more than the bound. Every reader, the baseline and the config
file go through it.

Writing (`write_atomic`): the text goes to a temporary file in the target's directory, which
then replaces the target (`os.replace`), so an error never leaves a truncated report or
baseline. A target that exists and is not a regular file (`/dev/null`, a FIFO) or names an
open file descriptor (`/dev/stdout`, `/dev/fd/N`, `/proc/self/fd/N`) is written directly; a
symbolic link is followed, and its target replaced.
"""

from __future__ import annotations

import os
import stat
import tempfile

MAX_FILE_BYTES = 64 * 1024 * 1024  # far beyond any VM configuration; the one size limit of every reader

_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a directory"),
)
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


class NotRegular(OSError):
    """The path is not a regular file: `kind` says what it is ("a FIFO", "a directory")."""

    def __init__(self, kind: str):
        super().__init__(f"not a regular file ({kind})")
        self.kind = kind


class TooLarge(OSError):
    def __init__(self, size: int, limit: int):
        super().__init__(f"file is larger than {limit // (1024 * 1024)} MB ({size} bytes)")
        self.size = size


def kind_of(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def read_regular(path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file of at most `limit` bytes. Raises NotRegular, TooLarge or
    another OSError (missing, permission denied, symlink loop)."""
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):
        raise NotRegular(kind_of(info.st_mode))
    if info.st_size > limit:
        raise TooLarge(info.st_size, limit)  # known from stat: not opened at all
    fd = os.open(path, _OPEN_FLAGS)
    try:
        info = os.fstat(fd)  # what was opened, not what was stat'ed
        if not stat.S_ISREG(info.st_mode):
            raise NotRegular(kind_of(info.st_mode))
        if info.st_size > limit:
            raise TooLarge(info.st_size, limit)
        size = info.st_size
        data = os.read(fd, size) if size else b""
        if 0 < len(data) < size:  # a short read: rare for regular files, finish it
            parts = [data]
            got = len(data)
            while got < size:
                chunk = os.read(fd, size - got)
                if not chunk:
                    break
                parts.append(chunk)
                got += len(chunk)
            data = b"".join(parts)
        return data
    finally:
        os.close(fd)


def describe_error(exc: OSError) -> str:
    """The message for an OSError from read_regular, without the path."""
    if isinstance(exc, (NotRegular, TooLarge)):
        return str(exc)
    return exc.strerror or str(exc)


def write_atomic(path, text: str, encoding: str = "utf-8") -> None:
    """Write `text` to `path` through a temporary file and os.replace. Raises OSError."""
    data = text.encode(encoding, "backslashreplace")  # nothing unencodable ever aborts a write half-way
    try:
        info = os.stat(path)
    except FileNotFoundError:
        info = None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(21, "Is a directory", str(path))
    target = os.path.realpath(path)
    if (info is not None and not stat.S_ISREG(info.st_mode)) or _is_fd_alias(str(path), target):
        with open(path, "wb") as fh:  # /dev/stdout, /dev/null, a FIFO: nothing to replace
            fh.write(data)
        return
    directory, name = os.path.split(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=directory or ".")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, stat.S_IMODE(info.st_mode) if info is not None else 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _is_fd_alias(path: str, target: str) -> bool:
    """/dev/stdout, /dev/fd/N, /proc/self/fd/N: the caller's open file, to write into, not replace."""
    return path.startswith(("/dev/", "/proc/")) or target.startswith("/proc/")


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def same_file(target, paths):
    """The first of `paths` that is the file `target` names (same device and inode: through
    symbolic and hard links alike), or None. A target that does not exist is none of them."""
    try:
        info = os.stat(target)
    except OSError:
        return None
    key = (info.st_dev, info.st_ino)
    for path in paths:
        try:
            other = os.stat(path)
        except OSError:
            continue
        if (other.st_dev, other.st_ino) == key:
            return path
    return None
