"""Issue 9 part 2: a progress line on stderr for long runs, only where a person watches."""

from __future__ import annotations

import io
import os
import shutil
import sys
from pathlib import Path

import pytest

from dmlint import progress
from dmlint.progress import Progress, wanted


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_wanted_only_on_a_terminal_without_ci_quiet_or_machine_stdout(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    tty = _Tty()
    assert wanted(quiet=False, fmt="text", output=None, stream=tty)
    assert wanted(quiet=False, fmt="json", output="out.json", stream=tty)  # stdout carries nothing then
    assert not wanted(quiet=False, fmt="text", output=None, stream=io.StringIO())
    assert not wanted(quiet=True, fmt="text", output=None, stream=tty)
    for fmt in ("json", "sarif", "junit", "github", "gitlab"):
        assert not wanted(quiet=False, fmt=fmt, output=None, stream=tty)
    monkeypatch.setenv("CI", "true")
    assert not wanted(quiet=False, fmt="text", output=None, stream=tty)


def test_bar_appears_for_many_files_or_after_a_second(monkeypatch):
    made = []

    class FakeBar:
        def __init__(self, **kw):
            self.kw, self.pos = kw, 0
            made.append(self)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.closed = True

        def update(self, n):
            self.pos += n

    import click

    monkeypatch.setattr(click, "progressbar", lambda **kw: FakeBar(**kw))
    now = [0.0]
    few = Progress(10, True, clock=lambda: now[0])
    for _ in range(5):
        few.update()
    assert made == []  # short and quick: nothing
    now[0] = 1.5
    few.update()
    assert len(made) == 1 and made[0].kw["length"] == 10 and made[0].pos == 6
    few.close()
    many = Progress(progress.MANY_FILES + 1, True, clock=lambda: 0.0)
    many.update()
    assert len(made) == 2 and made[1].kw["show_pos"] and made[1].kw["file"] is sys.stderr
    off = Progress(10_000, False)
    off.update()
    assert len(made) == 2


def _in_pty(args, cwd, env):
    import pty

    pid, fd = pty.fork()
    if pid == 0:  # child: stdout and stderr are the terminal
        os.chdir(cwd)
        os.execve(args[0], args, env)
    out = b""
    while True:
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        out += data
    os.waitpid(pid, 0)
    return out.decode(errors="replace")


def test_console_script_shows_progress_on_a_terminal_only(tmp_path):
    script = shutil.which("dmlint", path=str(Path(sys.executable).parent))
    if not script:
        pytest.skip("the dmlint console script is not installed next to this Python")
    for i in range(progress.MANY_FILES + 20):
        (tmp_path / f"v{i}.yaml").write_text(f"vm:\n  name: v{i}\n  memory: {{startup: 1GB}}\n")
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "GITHUB_ACTIONS")}
    out = _in_pty([script, "check", "."], tmp_path, env)
    assert "Reading" in out and f"{progress.MANY_FILES + 20}/{progress.MANY_FILES + 20}" in out
    assert "Reading" not in _in_pty([script, "check", "-q", "."], tmp_path, env)
    assert "Reading" not in _in_pty([script, "check", "--format", "json", "."], tmp_path, env)
    assert "Reading" not in _in_pty([script, "check", "."], tmp_path, dict(env, CI="true"))
    assert "Reading" not in _in_pty([script, "check", "v1.yaml"], tmp_path, env)
    import subprocess

    piped = subprocess.run([script, "check", "."], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert piped.returncode == 0 and "Reading" not in piped.stderr  # not a terminal
