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
    assert not re.search(r"""src\s*=|href\s*=\s*["'][^#]|url\(|@import|<script[^>]""", text, re.IGNORECASE)
    assert text.count("<script>") == 1  # the table sorter, allowed by its hash in the CSP
    assert "Cluster dm305-fires-prod" in text and "Hosts without a cluster" in text
    assert "dm305-fires-sql-a" in text and "DM305 error" in text
    assert 'usable <span title="14976 MB">14.6 GB</span> (reserve estimated)' in text  # dm306-passes-hv: 16384 - (384 + 1024)


def test_chromium_loads_page_without_console_errors(report, tmp_path):
    proc = run_chromium(tmp_path, report, "--dump-dom")
    assert console_messages(proc.stderr) == []
    dom = proc.stdout
    assert "dm305-fires-hv-a" in dom and "N+1: 1 VM cannot restart" in dom
    assert dom.count('class="bars"') == 19  # one bar picture per host


def test_console_detection_catches_a_bad_page(tmp_path):
    # the harness must be able to fail: a page that loads from the network breaks our CSP
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'\">"
                   "</head><body><img src=\"http://example.invalid/x.png\">x</body></html>", encoding="utf-8")
    proc = run_chromium(tmp_path, bad, "--dump-dom")
    assert any("Content Security Policy" in m for m in console_messages(proc.stderr))


def test_screenshot_is_not_blank(report, tmp_path):
    shot = tmp_path / "shot.png"
    run_chromium(tmp_path, report, f"--screenshot={shot}", "--window-size=1200,2000")  # past the host table: the bars
    width, height, channels, rows = decode_png(shot.read_bytes())
    assert (width, height) == (1200, 2000)
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


# -- the capacity planner's page (issue 10): a generated 50-host, 2,000-VM fleet ---------------

def fleet_yaml(n_hosts=50, n_vms=2000, seed=5) -> str:
    """Hosts of 16-512 GB (host g00 has 16 GB, g01 64 GB) in clusters of 10, VMs of every state."""
    import random

    rnd = random.Random(seed)
    sizes = [16, 64] + [rnd.choice((16, 32, 64, 128, 256, 512)) for _ in range(n_hosts - 2)]
    lines = ["hosts:"]
    for i, gb in enumerate(sizes):
        reserve = "" if i % 4 == 3 else f", reserve: {max(1, gb // 16)}GB"
        lines.append(f"  - {{name: g{i:02d}, memory: {gb}GB{reserve}, cluster: gc{i // 10}}}")
    lines.append("vms:")
    for j in range(n_vms):
        i = rnd.randrange(n_hosts)
        budget = max(1, sizes[i] * 1024 // 45)
        startup = max(512, rnd.randint(budget // 4, budget * 2) // 512 * 512)
        state = rnd.choice(("running",) * 8 + ("off", "saved"))
        if rnd.random() < 0.5:
            mem = f"{{dynamic: true, startup: {startup}, minimum: {max(512, startup // 4 // 2 * 2)}, maximum: {startup * 2}, demand: {rnd.randint(256, startup)}}}"
        else:
            mem = f"{{startup: {startup}}}"
        lines.append(f"  - {{name: gv{j:04d}, host: g{i:02d}, state: {state}, clustered: {str(rnd.random() < 0.7).lower()}, memory: {mem}}}")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def planner(tmp_path_factory):
    """(html path, json document) of `dmlint fleet` over the generated fleet."""
    import json

    d = tmp_path_factory.mktemp("planner")
    (d / "fleet.yaml").write_text(fleet_yaml(), encoding="utf-8")
    out = d / "fleet.html"
    result = run_cli("fleet", "--html", out, "--format", "json", d / "fleet.yaml")
    assert result.exit_code in (0, 1), result.output
    return out, json.loads(result.output)


def dom_at(tmp_path, page, width):
    """The page's DOM after its script ran, at a window width, parsed with lxml."""
    from lxml import html as lhtml

    proc = run_chromium(tmp_path, page, "--dump-dom", f"--window-size={width},1000")
    assert console_messages(proc.stderr) == []
    return lhtml.fromstring(proc.stdout)


@pytest.mark.parametrize("width", [700, 1600])
def test_planner_page_in_chromium(planner, tmp_path, width):
    page, doc = planner
    dom = dom_at(tmp_path, page, width)
    root = dom.getroottree().getroot()
    # no horizontal overflow at this width (measured by the page's own script after layout)
    assert 0 < int(root.get("data-scroll-width")) <= int(root.get("data-client-width"))
    (wrap,) = dom.xpath('//div[@class="wrap"]')  # and the host table fits without its own scroll bar
    assert 0 < int(wrap.get("data-scroll-width")) <= int(wrap.get("data-client-width"))
    # one table row per host, each linking to its detail
    rows = dom.xpath('//table[@class="hosts"]/tbody/tr')
    assert len(rows) == len(doc["hosts"]) == 50
    assert all(r.xpath('./td[1]/a/@href')[0] == f"#host-{r.get('data-host')}" for r in rows)
    assert len(dom.xpath('//article[@class and starts-with(@id, "host-")]')) == 50
    # counts on the page equal the JSON output's
    count = {e.get("data-count"): int(e.text) for e in dom.xpath("//*[@data-count]")}
    hosts = doc["hosts"]
    assert count["hosts"] == len(hosts) and count["clusters"] == len(doc["clusters"])
    details = [v for h in hosts for v in h["vm_detail"]]
    assert count["running"] == sum(h["running"] for h in hosts) == sum(1 for v in details if v["holds_memory"])
    assert count["off"] == sum(1 for v in details if v["state"] == "off")
    assert count["saved"] == sum(1 for v in details if v["state"] == "saved")
    for sev in ("error", "warning", "info"):
        assert count[sev] == sum(1 for f in doc["findings"] if f["severity"] == sev)
    # one scale: the 16 GB host's capacity bar is a quarter of the 64 GB host's
    def capacity_px(name):
        segs = dom.xpath(f'//article[@id="host-{name}"]//i[contains(@class, "seg") and (contains(@class, "usable") or contains(@class, "reserve"))]')
        assert len(segs) == 2
        return sum(float(s.get("data-px")) for s in segs)

    small, big = capacity_px("g00"), capacity_px("g01")
    assert big > 30 and abs(small / big - 0.25) < 0.01, (small, big)  # the scale is set by the 512 GB hosts


def test_planner_table_is_sorted_by_risk(planner):
    from lxml import html as lhtml

    page, doc = planner
    rows = lhtml.fromstring(page.read_text(encoding="utf-8")).xpath('//table[@class="hosts"]/tbody/tr')
    rank = {"error": 0, "warning": 1, "": 2, "info": 2}
    keys = [rank[r.get("class") or ""] for r in rows]
    assert keys == sorted(keys) and keys[0] == 0 and keys[-1] == 2  # the generated fleet has both
    headroom = [int(r.xpath("./td[7]/@data-v")[0]) for r in rows if (r.get("class") or "") in ("", "info")]
    assert headroom == sorted(headroom)
    # GB with one decimal, exact MB in the title
    cell = rows[0].xpath("./td[3]/span")[0]
    mb = int(cell.get("title").split()[0])
    assert cell.text == f"{mb / 1024:.1f}"


def test_planner_table_sorts_on_click(planner, tmp_path):
    """The inline sorter runs under the page's CSP: a page that clicks 'host' once sorts rows by name."""
    page, _ = planner
    text = page.read_text(encoding="utf-8")
    click = 'document.querySelector("table.hosts th").click();'
    import base64
    import hashlib

    script = text.split("<script>")[1].split("</script>")[0] + click
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    old = text.split("script-src 'sha256-")[1].split("'")[0]
    probe = tmp_path / "click.html"
    probe.write_text(text.replace(old, digest).replace(text.split("<script>")[1].split("</script>")[0], script), encoding="utf-8")
    dom = dom_at(tmp_path, probe, 1600)
    names = [r.get("data-host") for r in dom.xpath('//table[@class="hosts"]/tbody/tr')]
    assert names == sorted(names) and len(names) == 50


@pytest.mark.parametrize("width", [700, 1600])
def test_planner_screenshots(planner, tmp_path, width):
    page, _ = planner
    shot = tmp_path / f"planner-{width}.png"
    run_chromium(tmp_path, page, f"--screenshot={shot}", f"--window-size={width},1000")
    w, h, channels, rows = decode_png(shot.read_bytes())
    assert (w, h) == (width, 1000)
    colours = {row[x:x + 3] for row in rows[::4] for x in range(0, w * channels, channels * 4)}
    assert len(colours) > 30, "the page looks blank"
    print(f"screenshot {width}x{h}: {shot.stat().st_size} bytes")


def test_fleet_json_carries_per_vm_and_failover_detail():
    import json

    result = run_cli("fleet", "--format", "json", FIXTURES / "fleet" / "dm305_fires")
    doc = json.loads(result.output)
    a = next(h for h in doc["hosts"] if h["host"] == "dm305-fires-hv-a")
    (v,) = a["vm_detail"]
    assert (v["vm"], v["startup_mb"], v["minimum_floor_mb"], v["holds_memory"]) == ("dm305-fires-sql-a", 40960, 40960, True)
    fo = a["failover"]
    assert fo["failed"] == [{"vm": "dm305-fires-sql-a", "mb": 41024}] and fo["certain"] is True
    assert fo["placement"] == [{"vm": "dm305-fires-sql-a", "mb": 41024, "host": None}]
    assert fo["headroom_left_mb"] == {"dm305-fires-hv-b": 20416} and fo["largest_headroom_host"] == "dm305-fires-hv-b"
    result = run_cli("fleet", "--format", "json", FIXTURES / "fleet" / "dm305_passes")
    ok = [h["failover"] for h in json.loads(result.output)["hosts"] if h["failover"]]
    assert ok and all(f["failed"] == [] and all(p["host"] for p in f["placement"]) for f in ok)


def test_planner_vm_bars_and_cluster_failover_match_the_json(planner):
    """What fills each host (one segment per running VM, off/saved apart) and each node's N+1 outcome."""
    from lxml import html as lhtml

    page, doc = planner
    dom = lhtml.fromstring(page.read_text(encoding="utf-8"))
    for h in doc["hosts"]:
        art = dom.xpath(f'//article[@id="host-{h["host"]}"]')[0]
        running = [v for v in h["vm_detail"] if v["holds_memory"]]
        idle = [v for v in h["vm_detail"] if v["state"] in ("off", "saved")]
        assert len(art.xpath('.//i[contains(@class, "vm-min")]')) == len(running)
        assert len(art.xpath('.//i[contains(@class, "vm-off")]')) == len(idle)
        names = [td.text for td in art.xpath('.//table[@class="vms"]/tbody/tr/td[1]')]
        assert names == [v["vm"] for v in h["vm_detail"]]  # largest first, as in the JSON
        if running:  # the stack starts with the largest running VM, named on hover
            assert art.xpath('.//i[contains(@class, "vm-min")]/@title')[0].startswith(running[0]["vm"] + ": ")
    nodes = {tr.get("data-node"): tr for tr in dom.xpath('//table[@class="fo"]/tbody/tr')}
    with_fo = {h["host"]: h["failover"] for h in doc["hosts"] if h["failover"]}
    assert set(nodes) == set(with_fo) and len(nodes) > 10
    failing = [n for n, fo in with_fo.items() if fo["failed"]]
    assert failing  # the generated fleet has nodes whose VMs do not all restart
    for n in failing:
        cell = nodes[n].xpath("./td[4]")[0].text_content()
        assert all(f["vm"] in cell for f in with_fo[n]["failed"])


@pytest.mark.parametrize("width", [700, 1600])
def test_fixtures_page_at_two_widths(report, tmp_path, width):
    """Every fleet fixture on one page: a screenshot and the DOM at a narrow and a wide window."""
    dom = dom_at(tmp_path, report, width)
    root = dom.getroottree().getroot()
    assert 0 < int(root.get("data-scroll-width")) <= int(root.get("data-client-width"))
    (wrap,) = dom.xpath('//div[@class="wrap"]')
    assert 0 < int(wrap.get("data-scroll-width")) <= int(wrap.get("data-client-width"))
    assert len(dom.xpath('//table[@class="hosts"]/tbody/tr')) == 19
    shot = tmp_path / f"fixtures-{width}.png"
    run_chromium(tmp_path, report, f"--screenshot={shot}", f"--window-size={width},1000")
    assert decode_png(shot.read_bytes())[:2] == (width, 1000)
    print(f"fixtures screenshot {width}x1000: {shot.stat().st_size} bytes")
