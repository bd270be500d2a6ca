"""The fleet HTML report, loaded in a real headless Chromium (Debian package `chromium`)."""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import zlib

import pytest

from conftest import FIXTURES, in_ci, run_cli

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--enable-logging=stderr", "--v=0",
]


def chromium() -> str:
    path = os.environ.get("DMLINT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        reason = "headless Chromium is missing (needed to load the HTML report): run .ci/install-chromium.sh (apt-get install chromium) or set DMLINT_CHROMIUM"
        if in_ci():  # .ci/run installs it: missing there is a broken CI, not a skip
            pytest.fail(reason)
        pytest.skip(reason)
    return path


def run_chromium(tmp_path, page, *extra):
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    cmd = [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *extra, page.as_uri()]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc


def console_messages(stderr: str) -> list[str]:
    """Messages the page wrote to the console (errors, CSP violations): Chromium logs them as CONSOLE."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def decode_png(data: bytes):
    """(width, height, channels, rows of bytes) for an 8-bit non-interlaced PNG, with zlib and struct only."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    width, height, depth, color, _, _, interlace = header
    assert depth == 8 and interlace == 0, header
    channels = {2: 3, 6: 4, 0: 1, 4: 2}[color]
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = prev[i]
            c = prev[i - channels] if i >= channels else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, channels, rows


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("html") / "fleet.html"
    result = run_cli("fleet", "--html", out, FIXTURES / "fleet")
    assert result.exit_code == 1, result.output  # the fires fixtures hold errors
    return out


def test_page_is_self_contained(report):
    text = report.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert "default-src 'none'" in text  # Content-Security-Policy: nothing may be loaded
    assert not re.search(r"""(src|href)\s*=|url\(|@import|<script""", text, re.IGNORECASE)
    assert "Cluster dm305-fires-prod" in text and "Hosts without a cluster" in text
    assert "dm305-fires-sql-a" in text and "DM305 error" in text
    assert "usable 14976 MB (reserve estimated)" in text  # dm306-passes-hv: 16384 - (384 + 1024)


def test_chromium_loads_page_without_console_errors(report, tmp_path):
    proc = run_chromium(tmp_path, report, "--dump-dom")
    assert console_messages(proc.stderr) == []
    dom = proc.stdout
    assert "dm305-fires-hv-a" in dom and "N+1: 1 VM cannot restart" in dom
    assert dom.count("<svg") == 19  # one bar picture per host


def test_console_detection_catches_a_bad_page(tmp_path):
    # the harness must be able to fail: a page that loads from the network breaks our CSP
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'\">"
                   "</head><body><img src=\"http://example.invalid/x.png\">x</body></html>", encoding="utf-8")
    proc = run_chromium(tmp_path, bad, "--dump-dom")
    assert any("Content Security Policy" in m for m in console_messages(proc.stderr))


def test_screenshot_is_not_blank(report, tmp_path):
    shot = tmp_path / "shot.png"
    run_chromium(tmp_path, report, f"--screenshot={shot}", "--window-size=1200,900")
    width, height, channels, rows = decode_png(shot.read_bytes())
    assert (width, height) == (1200, 900)
    colours = set()
    non_background = 0
    for row in rows[::3]:
        for x in range(0, width * channels, channels * 3):
            px = row[x:x + 3]
            colours.add(px)
            if px != b"\xf6\xf7\xf9" and px != b"\xff\xff\xff":
                non_background += 1
    assert len(colours) > 50, f"only {len(colours)} colours: the page looks blank"
    assert non_background > 0.1 * (height // 3) * (width // 3)
    # the bar colours are on screen: usable green, minimum blue, startup orange, over-usable red
    for rgb in ((0x9c, 0xc9, 0xa8), (0x4a, 0x6f, 0xa5), (0xe0, 0x8a, 0x2c)):
        assert bytes(rgb) in colours, f"bar colour {rgb} not rendered"
