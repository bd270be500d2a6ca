"""Regression tests for behaviours an independent mutation review broke without a test failing.

Each test names the mutation it kills (issue 11). They go through the command line or a public
function with exact values, boundaries and ties, so a refactor that keeps behaviour keeps them.
"""

from __future__ import annotations

import json

from hypothesis import given, settings, strategies as st

from conftest import check_json, run_cli
from dmlint.units import parse_size


def by_rule(findings, rule):
    return [f for f in findings if f["rule"] == rule]


# --- units: `10 ** len(frac)` -> `10 * len(frac)` ------------------------------------------

def test_two_decimal_sizes_are_exact():
    assert parse_size("1.25GB") == 1280
    assert parse_size("0.75GB") == 768
    assert parse_size("1.125TB") == 1152 * 1024
    assert parse_size("2.5GB") == 2560


@settings(derandomize=True, max_examples=300, deadline=None)
@given(st.integers(min_value=1, max_value=4 * 1024 * 64))
def test_quarter_gigabytes_are_exact(n):
    text = f"{n / 4}GB"  # '0.25GB', '0.5GB', '1.0GB', '1.75GB', ...
    assert parse_size(text) == n * 256


@settings(derandomize=True, max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=2**20), st.sampled_from(["MB", "MiB", "mb", "GB", "GiB", "gb", "TB", "TiB"]))
def test_every_unit_round_trips(n, unit):
    factor = {"mb": 1, "mib": 1, "gb": 1024, "gib": 1024, "tb": 1024**2, "tib": 1024**2}[unit.lower()]
    if n * factor > 4 * 1024**3:
        return
    assert parse_size(f"{n}{unit}") == n * factor
    assert parse_size(f"{n * factor * 1024 * 1024}B") == n * factor


# --- suppress: a trailing directive must not also cover the next line ------------------------

def test_trailing_directive_covers_its_own_line_only(write):
    path = write("trailing.yaml", (
        "vm:\n"
        "  name: t-1\n"
        "  memory:\n"
        "    dynamic: true\n"
        "    startup: 1024  # dmlint: disable=DM102 -- on the startup line, not the next\n"
        "    minimum: 2048\n"
        "    maximum: 4096\n"
    ))
    _, findings = check_json(path)
    dm102 = by_rule(findings, "DM102")
    assert [(f["line"], f["vm"]) for f in dm102] == [(6, "t-1")]
    assert dm102[0]["message"].startswith("minimum 2048 MB")


def test_directive_alone_on_its_line_covers_the_next(write):
    path = write("alone.yaml", (
        "vm:\n"
        "  name: t-2\n"
        "  memory:\n"
        "    dynamic: true\n"
        "    startup: 1024\n"
        "    # dmlint: disable=DM102 -- known, ticket 42\n"
        "    minimum: 2048\n"
        "    maximum: 4096\n"
    ))
    _, findings = check_json(path)
    assert by_rule(findings, "DM102") == []


# --- selection: a tie between --select and --ignore goes to --ignore (ruff) ------------------

def test_select_and_ignore_of_the_same_id_ignores(write):
    path = write("tie.yaml", "vm:\n  name: t-3\n  memory: {dynamic: true, startup: 1024, minimum: 2048, maximum: 4096}\n")
    _, findings = check_json(path, extra=("--select", "DM102", "--ignore", "DM102"))
    assert findings == []
    _, findings = check_json(path, extra=("--select", "DM102"))
    assert [f["rule"] for f in findings] == ["DM102"]
    _, findings = check_json(path, extra=("--select", "DM10", "--ignore", "DM1"))  # longer select wins
    assert [f["rule"] for f in findings] == ["DM102"]


# --- per-file-ignores: a bare file name matches in any directory ------------------------------

def test_per_file_ignores_match_nested_paths(tmp_path, monkeypatch):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "vm.yaml").write_text(
        "vm:\n  name: t-4\n  memory: {dynamic: true, startup: 1024, minimum: 2048, maximum: 4096}\n", encoding="utf-8")
    (tmp_path / ".dmlint.yaml").write_text("per-file-ignores:\n  vm.yaml: [DM102]\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = run_cli("check", "--format", "json", ".")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == []
    (tmp_path / ".dmlint.yaml").write_text("per-file-ignores:\n  other.yaml: [DM102]\n", encoding="utf-8")
    result = run_cli("check", "--format", "json", ".")
    assert [f["rule"] for f in json.loads(result.output)] == ["DM102"]


# --- fleet: exact boundaries --------------------------------------------------------------------

def test_vm_that_fits_exactly_can_start(write):
    # usable 8192 - 1024 = 7168 MB; 7104 MB startup + 64 MB overhead = 7168 MB exactly
    path = write("exact.yaml", (
        "hosts:\n  - {name: x-h, memory: 8GB, reserve: 1GB}\n"
        "vms:\n  - {name: x-fits, host: x-h, memory: {startup: 7104}}\n"
    ))
    _, findings = check_json(path)
    assert findings == []


def test_off_vm_that_fits_exactly_alone_can_start(write):
    path = write("exact_off.yaml", (
        "hosts:\n  - {name: y-h, memory: 8GB, reserve: 1GB}\n"
        "vms:\n  - {name: y-off, host: y-h, state: 'off', memory: {startup: 7104}}\n"
    ))
    _, findings = check_json(path)
    assert findings == []


def test_off_vm_too_big_for_its_host_is_dm306_alone(write):
    # 7106 + 64 = 7170 > 7168: DM306 says it can never start; DM303 must not repeat it
    path = write("off_big.yaml", (
        "hosts:\n  - {name: z-h, memory: 8GB, reserve: 1GB}\n"
        "vms:\n  - {name: z-off, host: z-h, state: 'off', memory: {startup: 7106}}\n"
    ))
    _, findings = check_json(path)
    assert [(f["rule"], f["vm"]) for f in findings] == [("DM306", "z-off")]
    assert "startup 7106 MB plus 64 MB overhead is more than the usable 7168 MB on host z-h" in findings[0]["message"]
    assert findings[0]["line"] == 4


# --- fleet: N+1 must not count the failed host's own headroom ---------------------------------

def test_n_plus_1_ignores_the_failed_hosts_own_headroom(write):
    # c-a (63 GB usable) holds two 2 GB clustered VMs; if c-a fails only c-b (3 GB usable) is
    # left: one fits, the other does not. The fast sufficient test must not count c-a's own
    # 58 GB of headroom as room for them.
    path = write("n1.yaml", (
        "hosts:\n"
        "  - {name: c-a, memory: 64GB, reserve: 1GB, cluster: c1}\n"
        "  - {name: c-b, memory: 4GB, reserve: 1GB, cluster: c1}\n"
        "vms:\n"
        "  - {name: c-one, host: c-a, clustered: true, memory: {startup: 2GB}}\n"
        "  - {name: c-two, host: c-a, clustered: true, memory: {startup: 2GB}}\n"
    ))
    _, findings = check_json(path)
    (f,) = findings
    assert (f["rule"], f["host"], f["line"]) == ("DM305", "c-a", 2)
    assert f["message"].startswith("if host c-a fails, 1 of its 2 clustered VMs cannot restart on the other hosts of cluster c1")
    assert ": c-two" in f["message"]


def test_n_plus_1_passes_when_the_survivor_has_room(write):
    path = write("n1_ok.yaml", (
        "hosts:\n"
        "  - {name: d-a, memory: 64GB, reserve: 1GB, cluster: c2}\n"
        "  - {name: d-b, memory: 16GB, reserve: 1GB, cluster: c2}\n"
        "vms:\n"
        "  - {name: d-big, host: d-a, clustered: true, memory: {startup: 8GB}}\n"
    ))
    _, findings = check_json(path)
    assert findings == []


# --- fleet: whole MB left over by water-filling go to the larger weight ----------------------

def test_waterfill_remainder_goes_to_the_larger_weight():
    from dmlint.fleet import waterfill

    # x = 0.5: light gets 0.5, heavy 1.5; one MB is left and goes to the heavier weight
    assert waterfill(2, [("light", 1, 0, 10), ("heavy", 3, 0, 10)]) == {"light": 0, "heavy": 2}
    assert waterfill(2, [("heavy", 3, 0, 10), ("light", 1, 0, 10)]) == {"light": 0, "heavy": 2}
    # equal weights and remainders: the name breaks the tie
    assert waterfill(3, [("b", 1, 0, 10), ("a", 1, 0, 10)]) == {"a": 2, "b": 1}


def test_host_that_boots_to_exactly_full_can_start(write):
    # the restart bound (floors 2176 MB + largest startup-minimum 3072 MB = 5248 MB) exceeds the
    # usable 4224 MB, so the exact staggering runs: w-big first peaks at 4096 MB (plus 2 x 64 MB
    # overhead = 4224 MB), then w-big at 1024 MB and w-small at 2048 MB: the peak equals usable
    # exactly, so the host boots
    text = (
        "hosts:\n  - {name: w-h, memory: 5GB, reserve: 896}\n"
        "vms:\n"
        "  - {name: w-big, host: w-h, memory: {dynamic: true, startup: 4096, minimum: 1024, maximum: 8192}}\n"
        "  - {name: w-small, host: w-h, memory: {dynamic: true, startup: 2048, minimum: 1024, maximum: 8192}}\n"
    )
    _, findings = check_json(write("stagger_exact.yaml", text))
    assert by_rule(findings, "DM303") == []
    assert [f["vm"] for f in by_rule(findings, "DM302")] == ["w-big"]  # a restart of w-big would need Smart Paging
    _, findings = check_json(write("stagger_short.yaml", text.replace("reserve: 896", "reserve: 898")))
    dm303 = by_rule(findings, "DM303")
    assert [(f["host"], f["line"]) for f in dm303] == [("w-h", 2)]
    assert "peaks at 4224 MB" in dm303[0]["message"] and "2 MB short" in dm303[0]["message"]
