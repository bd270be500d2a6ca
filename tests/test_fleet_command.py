"""`dmlint fleet` and the fleet pass inside `dmlint check`, through the CLI with YAML input."""

from __future__ import annotations

import json

from conftest import FIXTURES, check_json, run_cli

EXAMPLE_531 = """\
hosts:
  - name: cmd-h
    memory: 48GB
    reserve: 4GB
vms:
  - {name: cmd-A, host: cmd-h, memory: {startup: 16GB}}
  - {name: cmd-B, host: cmd-h, memory: {dynamic: true, startup: 8GB, minimum: 2GB, maximum: 16GB, demand: 6000, weight: 50}}
  - {name: cmd-C, host: cmd-h, memory: {dynamic: true, startup: 8GB, minimum: 1GB, maximum: 8GB, demand: 1500, weight: 50}}
  - {name: cmd-D, host: cmd-h, memory: {dynamic: true, startup: 16GB, minimum: 4GB, maximum: 32GB, demand: 14000, weight: 80}}
  - {name: cmd-E, host: cmd-h, memory: {dynamic: true, startup: 4GB, minimum: 512MB, maximum: 8GB, demand: 3000, buffer: 50, weight: 20}}
"""


def test_fleet_json_has_the_worked_example_numbers(write):
    path = write("fleet.yaml", EXAMPLE_531)
    result = run_cli("fleet", "--format", "json", path)
    assert result.exit_code == 0, result.output  # only warnings (DM302 likely, DM304 buffers)
    doc = json.loads(result.output)
    (h,) = doc["hosts"]
    assert h["usable_mb"] == 45056 and h["reserve_estimated"] is False
    assert (h["sum_minimum_mb"], h["sum_demand_mb"], h["sum_target_mb"], h["sum_startup_mb"]) == (24384, 41204, 47004, 53568)
    assert (h["worst_restart_gap_mb"], h["worst_restart_gap_certain"], h["worst_restart_vm"]) == (2840, False, "cmd-C")
    assert h["nplus1"] == "n/a"
    assert sorted(f["rule"] for f in h["findings"]) == ["DM302", "DM304"]
    assert doc["overhead_mb"] == 64


def test_fleet_text_table_and_exit_code():
    result = run_cli("fleet", FIXTURES / "fleet" / "dm305_fires")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].split() == ["host", "cluster", "usable", "MB", "VMs", "Σ", "minimum", "Σ", "demand", "Σ", "startup", "worst", "restart", "gap", "N+1"]
    row = next(line for line in lines if line.startswith("dm305-fires-hv-a "))
    assert row.split()[:7] == ["dm305-fires-hv-a", "dm305-fires-prod", "61440", "1/1", "41024", "41024", "41024"]
    assert row.endswith("1 VM cannot restart")
    assert any("DM305 error if host dm305-fires-hv-b fails" in line for line in lines)


def test_fleet_passes_fixture_exits_zero_and_marks_estimated_reserve():
    result = run_cli("fleet", FIXTURES / "fleet" / "dm306_passes")
    assert result.exit_code == 0, result.output
    assert "14976*" in result.output  # 16384 - (384 + 16 x 64)
    assert "reserve estimated with 384 MB + 64 MB per GB" in result.output


def test_fleet_without_hosts(write):
    path = write("vm.yaml", "vm: {name: lonely, memory: {startup: 1GB}}\n")
    result = run_cli("fleet", path)
    assert result.exit_code == 0
    assert "No hosts defined" in result.output


def test_check_runs_the_fleet_pass(write):
    path = write("fleet.yaml", EXAMPLE_531)
    code, findings = check_json(path)
    got = sorted((f["rule"], f.get("vm"), f.get("host")) for f in findings if f["rule"].startswith("DM3"))
    assert got == [("DM302", "cmd-C", "cmd-h"), ("DM304", None, "cmd-h")]
    dm302 = next(f for f in findings if f["rule"] == "DM302")
    assert dm302["line"] == 8  # points at cmd-C's startup value
    assert "2840 MB gap" in dm302["message"]


def test_overhead_from_config(write, tmp_path):
    path = write("fleet.yaml", EXAMPLE_531)
    cfg = write(".dmlint.yaml", "overhead-mb: 0\n")
    result = run_cli("fleet", "--format", "json", "--config", cfg, path)
    (h,) = json.loads(result.output)["hosts"]
    assert h["overhead_mb"] == 0 and h["sum_minimum_mb"] == 24064


def test_undefined_host_in_check(write):
    path = write("vms.yaml", "hosts:\n  - {name: real-h, memory: 64GB}\nvms:\n  - {name: stray, host: reall-h, memory: {startup: 1GB}}\n")
    code, findings = check_json(path)
    assert code == 1
    (f,) = [f for f in findings if f["rule"] == "DM306"]
    assert f["vm"] == "stray" and f["line"] == 4
    assert "host 'reall-h' is not defined" in f["message"] and "did you mean 'real-h'?" in f["message"]


def test_html_option_writes_the_report(tmp_path, write):
    path = write("fleet.yaml", EXAMPLE_531)
    out = tmp_path / "report.html"
    result = run_cli("fleet", "--html", out, path)
    assert result.exit_code == 0
    page = out.read_text(encoding="utf-8")
    assert "cmd-h" in page and "DM304 warning" in page and 'title="45056 MB usable"' in page and "of 49152 MB physical" in page
