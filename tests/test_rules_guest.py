"""DM004 and DM201-DM206 through the command line, on the fixtures that ship in the repo.

Every expected message below is written out by hand from the catalogue's figures
(rules/data/guest_os.yaml) and the rule's wording; none is produced by the code under test.
"""

from __future__ import annotations

import pytest

from conftest import FIXTURES, check_json

Y = FIXTURES / "yaml"

GUEST_RULES = {"DM004", "DM201", "DM202", "DM203", "DM204", "DM205", "DM206"}

FIRES = [
    (
        "dm004_fires.yaml",
        "DM004",
        [(3, "guest OS 'win2019' is not in the catalogue (did you mean 'win2k19'?)")],
    ),
    (
        "dm004_fires_qualifier.yaml",
        "DM004",
        [(3, "guest OS 'win2k19-professional': Windows Server 2019 has no edition 'professional' (editions: standard, datacenter)")],
    ),
    (
        "dm201_fires.yaml",
        "DM201",
        [(6, "startup 1GB (1024 MB) is below the 2048 MB Windows Server 2019 (Desktop Experience) needs to install; "
             "setup and upgrades run with startup memory only, even with dynamic memory on "
             "(for Server Core, 1024 MB, name the guest OS win2k19-core)")],
    ),
    (
        "dm201_fires_core.yaml",
        "DM201",
        [(5, "startup 768 MB is below the 1024 MB Windows Server 2022 (Server Core) needs to install; "
             "setup and upgrades run with startup memory only, even with dynamic memory on"),
         (9, "startup 512 MB is below the 1024 MB Windows Server 2012 R2 needs to install; "
             "setup and upgrades run with startup memory only, even with dynamic memory on")],
    ),
    (
        "dm201_fires_linux.yaml",
        "DM201",
        [(5, "startup 1GB (1024 MB) is below the 1536 MB Red Hat Enterprise Linux 9 needs to install; "
             "setup and upgrades run with startup memory only, even with dynamic memory on")],
    ),
    (
        "dm202_fires.yaml",
        "DM202",
        [(5, "dynamic memory is on, but Windows 7 Professional does not support it "
             "(Windows 7 supports Dynamic Memory only in Enterprise and Ultimate editions)")],
    ),
    (
        "dm202_fires_freebsd.yaml",
        "DM202",
        [(5, "dynamic memory is on, but FreeBSD 13 does not support it "
             "(Hyper-V supports neither memory hot-add nor ballooning in FreeBSD guests)")],
    ),
    (
        "dm202_fires_linux32.yaml",
        "DM202",
        [(5, "dynamic memory is on, but Debian 11 (32-bit) does not support it "
             "(Dynamic Memory is available only on 64-bit Linux guests)")],
    ),
    (
        "dm203_fires.yaml",
        "DM203",
        [(5, "startup 32GB (32768 MB) is above the 16384 MB Windows 7 Home Premium can use")],
    ),
    (
        "dm203_fires_dynamic.yaml",
        "DM203",
        [(8, "maximum 8GB (8192 MB) is above the 4096 MB Windows 10 (32-bit) can use")],
    ),
    (
        "dm204_fires.yaml",
        "DM204",
        [(6, "startup 1000 MB and maximum 3000 MB are not multiples of 128 MB, which Linux guests "
             "with dynamic memory need (memory hot-add into Ubuntu 22.04 may fail)")],
    ),
    (
        "dm205_fires.yaml",
        "DM205",
        [
            (4, "Windows 11 needs a generation 2 VM; this VM is generation 1"
             "; Secure Boot, TPM and 2 vCPUs: not checked (the input does not carry them)"),
            (6, "startup 2GB (2048 MB) is below the 4096 MB Windows 11 requires in a VM"
             "; Secure Boot, TPM and 2 vCPUs: not checked (the input does not carry them)"),
        ],
    ),
    (
        "dm206_fires.yaml",
        "DM206",
        [(7, "minimum 128 MB is below the 256 MB the Hyper-V Best Practices Analyzer requires "
             "for Windows Server 2012 R2 with dynamic memory")],
    ),
]


@pytest.mark.parametrize("name,rule,expected", FIRES, ids=[f[0] for f in FIRES])
def test_fixture_fires(name, rule, expected):
    code, findings = check_json(Y / name)
    got = sorted((f["line"], f["message"]) for f in findings if f["rule"] == rule)
    assert got == sorted(expected)
    # the other guest rules stay quiet on a fixture made for one of them
    others = [f for f in findings if f["rule"] in GUEST_RULES and f["rule"] != rule]
    assert others == []
    severity = {"DM004": "warning", "DM203": "warning", "DM204": "warning"}.get(rule, "error")
    assert {f["severity"] for f in findings if f["rule"] == rule} == {severity}
    assert code == (1 if severity == "error" else 0)


PASSES = [
    "dm004_passes.yaml",
    "dm201_passes.yaml",
    "dm202_passes.yaml",
    "dm203_passes.yaml",
    "dm204_passes.yaml",
    "dm205_passes.yaml",
    "dm206_passes.yaml",
]


@pytest.mark.parametrize("name", PASSES)
def test_fixture_passes(name):
    code, findings = check_json(Y / name)
    assert [f for f in findings if f["rule"] in GUEST_RULES] == []
    assert code == 0


def _vm(tmp_path, body: str):
    path = tmp_path / "vm.yaml"
    path.write_text(body, encoding="utf-8")
    return check_json(path)[1]


def _messages(findings, rule):
    return [f["message"] for f in findings if f["rule"] == rule]


def test_no_guest_os_no_guest_findings(tmp_path):
    findings = _vm(tmp_path, "vm:\n  name: plain\n  memory:\n    dynamic: true\n    startup: 100MB\n    minimum: 40MB\n    maximum: 300MB\n")
    assert [f for f in findings if f["rule"] in GUEST_RULES] == []


def test_unknown_guest_silences_the_other_guest_rules(tmp_path):
    findings = _vm(tmp_path, "vm:\n  name: x\n  guest_os: freebsd99\n  memory:\n    dynamic: true\n    startup: 100MB\n")
    rules = {f["rule"] for f in findings if f["rule"] in GUEST_RULES}
    assert rules == {"DM004"}


def test_dm201_explicit_option_gets_no_hint(tmp_path):
    findings = _vm(tmp_path, "vm:\n  name: x\n  guest_os: win2k22-desktop\n  memory:\n    startup: 1GB\n")
    assert _messages(findings, "DM201") == [
        "startup 1GB (1024 MB) is below the 2048 MB Windows Server 2022 (Desktop Experience) needs to install; "
        "setup and upgrades run with startup memory only, even with dynamic memory on"
    ]


def test_dm201_core_2025_needs_2gb(tmp_path):
    # issue 13: "2 GB for Server Core" on the 2025 pivot; 1,024 MB in a VM fails (dmlint said 512 MB)
    findings = _vm(tmp_path, "vm:\n  name: x\n  guest_os: Windows Server 2025 Core\n  memory:\n    startup: 1GB\n")
    assert _messages(findings, "DM201") == [
        "startup 1GB (1024 MB) is below the 2048 MB Windows Server 2025 (Server Core) needs to install; "
        "setup and upgrades run with startup memory only, even with dynamic memory on"
    ]


def test_dm201_core_2016_to_2022_needs_1gb(tmp_path):
    for guest in ("win2k16-core", "win2k19-core", "win2k22-core"):
        findings = _vm(tmp_path, f"vm:\n  name: x\n  guest_os: {guest}\n  memory:\n    startup: 900MB\n")
        assert [m.split(" needs")[0] for m in _messages(findings, "DM201")] == [
            f"startup 900 MB is below the 1024 MB Windows Server 20{guest[5:7]} (Server Core)"
        ], guest


def test_dm201_2012r2_setup_fails_at_512(tmp_path):
    # KB2901152: setup fails on a VM with the 512 MB minimum; dmlint no longer passes it
    findings = _vm(tmp_path, "vm:\n  name: x\n  guest_os: win2k12r2\n  memory:\n    startup: 512MB\n")
    assert [m.split(";")[0] for m in _messages(findings, "DM201")] == [
        "startup 512 MB is below the 1024 MB Windows Server 2012 R2 needs to install"
    ]


def test_dm201_client_32bit_figure(tmp_path):
    ok = _vm(tmp_path, "vm:\n  name: x\n  guest_os: win10-x86\n  memory:\n    startup: 1GB\n")
    assert _messages(ok, "DM201") == []
    low = _vm(tmp_path, "vm:\n  name: x\n  guest_os: win10\n  memory:\n    startup: 1GB\n")
    assert _messages(low, "DM201") == [
        "startup 1GB (1024 MB) is below the 2048 MB Windows 10 needs to install; "
        "setup and upgrades run with startup memory only, even with dynamic memory on"
    ]


def test_dm201_defers_to_dm205_for_windows_11(tmp_path):
    findings = _vm(tmp_path, "vm:\n  name: x\n  guest_os: win11\n  memory:\n    startup: 2GB\n")
    assert _messages(findings, "DM201") == []
    assert _messages(findings, "DM205") == ["startup 2GB (2048 MB) is below the 4096 MB Windows 11 requires in a VM" "; Secure Boot, TPM and 2 vCPUs: not checked (the input does not carry them)"]


def test_dm205_vmcx_secure_boot_and_vcpus():
    # VMCX exports carry secure_boot_enabled and settings/processors/count; a vTPM has no known key
    _, findings = check_json(FIXTURES / "vmcx" / "dm205_fires_vmcx_one_vcpu.vmcx")
    assert sorted((f["key"], f["message"]) for f in findings if f["rule"] == "DM205") == [
        ("configuration/_ac6b8dc1-3257-4a70-b1b2-a9c9215659ad_/secure_boot_enabled",
         "Windows 11 requires Secure Boot; it is off in this VM; TPM: not checked (the input does not carry them)"),
        ("configuration/settings/processors/count",
         "Windows 11 requires 2 or more virtual processors; this VM has 1; TPM: not checked (the input does not carry them)"),
    ]
    _, ok = check_json(FIXTURES / "vmcx" / "dm205_passes_vmcx.vmcx")
    assert [f for f in ok if f["rule"] == "DM205"] == []


def test_dm201_unknown_figure_is_silent(tmp_path):
    # no verified server-install minimum for Ubuntu Server: not checked
    findings = _vm(tmp_path, "vm:\n  name: x\n  guest_os: ubuntu24.04\n  memory:\n    startup: 256MB\n")
    assert _messages(findings, "DM201") == []
    desktop = _vm(tmp_path, "vm:\n  name: x\n  guest_os: ubuntu24.04-desktop\n  memory:\n    startup: 1GB\n")
    assert _messages(desktop, "DM201") == [
        "startup 1GB (1024 MB) is below the 3072 MB Ubuntu 24.04 (Desktop) needs to install; "
        "setup and upgrades run with startup memory only, even with dynamic memory on"
    ]


def test_dm202_edition_unknown_is_silent_and_static_is_fine(tmp_path):
    unknown = _vm(tmp_path, "vm:\n  name: x\n  guest_os: win7\n  memory:\n    dynamic: true\n    startup: 2GB\n    minimum: 512MB\n    maximum: 4GB\n")
    assert _messages(unknown, "DM202") == []
    static = _vm(tmp_path, "vm:\n  name: x\n  guest_os: win7-professional\n  memory:\n    startup: 2GB\n")
    assert _messages(static, "DM202") == []


def test_dm202_foundation_2012(tmp_path):
    findings = _vm(tmp_path, "vm:\n  name: x\n  guest_os: Windows Server 2012 Foundation\n  memory:\n    dynamic: true\n    startup: 2GB\n    minimum: 512MB\n    maximum: 4GB\n")
    assert _messages(findings, "DM202") == [
        "dynamic memory is on, but Windows Server 2012 Foundation does not support it "
        "(Dynamic Memory needs Standard, Datacenter or Essentials edition)"
    ]


def test_dm203_dynamic_uses_maximum_static_uses_startup(tmp_path):
    # dynamic: a leftover startup is irrelevant, maximum counts
    dyn = _vm(tmp_path, "vm:\n  name: x\n  guest_os: win2k8r2-standard\n  memory:\n    dynamic: true\n    startup: 4GB\n    minimum: 1GB\n    maximum: 64GB\n")
    assert _messages(dyn, "DM203") == ["maximum 64GB (65536 MB) is above the 32768 MB Windows Server 2008 R2 Standard can use"]
    # static: leftover maximum ignored
    static = _vm(tmp_path, "vm:\n  name: x\n  guest_os: win2k8r2-standard\n  memory:\n    startup: 16GB\n    maximum: 1TB\n")
    assert _messages(static, "DM203") == []
    # no edition: the largest edition's ceiling (2 TB) applies
    noed = _vm(tmp_path, "vm:\n  name: x\n  guest_os: win2k8r2\n  memory:\n    startup: 64GB\n")
    assert _messages(noed, "DM203") == []


def test_dm204_single_value_and_windows_exempt(tmp_path):
    one = _vm(tmp_path, "vm:\n  name: x\n  guest_os: rhel8.6\n  memory:\n    dynamic: true\n    startup: 2048MB\n    minimum: 500MB\n    maximum: 4096MB\n")
    assert _messages(one, "DM204") == [
        "minimum 500 MB is not a multiple of 128 MB, which Linux guests with dynamic memory need "
        "(memory hot-add into Red Hat Enterprise Linux 8 may fail)"
    ]
    assert [f["line"] for f in one if f["rule"] == "DM204"] == [7]
    win = _vm(tmp_path, "vm:\n  name: x\n  guest_os: win2k22\n  memory:\n    dynamic: true\n    startup: 3000MB\n    minimum: 1000MB\n    maximum: 5000MB\n")
    assert _messages(win, "DM204") == []


def test_dm206_all_three_floors(tmp_path):
    findings = _vm(tmp_path, "vm:\n  name: x\n  guest_os: win8.1\n  memory:\n    dynamic: true\n    startup: 384MB\n    minimum: 128MB\n    maximum: 384MB\n")
    assert sorted(_messages(findings, "DM206")) == sorted([
        "minimum 128 MB is below the 256 MB the Hyper-V Best Practices Analyzer requires for Windows 8.1 with dynamic memory",
        "startup 384 MB is below the 512 MB the Hyper-V Best Practices Analyzer requires for Windows 8.1 with dynamic memory",
        "maximum 384 MB is below the 512 MB the Hyper-V Best Practices Analyzer requires for Windows 8.1 with dynamic memory",
    ])
    # static memory: the BPA rule is about Dynamic Memory
    static = _vm(tmp_path, "vm:\n  name: x\n  guest_os: win8.1\n  memory:\n    startup: 2GB\n    minimum: 128MB\n")
    assert _messages(static, "DM206") == []


def test_explain_shows_the_guest_rules():
    from conftest import run_cli

    for rule in sorted(GUEST_RULES):
        result = run_cli("explain", rule)
        assert result.exit_code == 0
        for section in ("What it does", "Why it matters", "Example", "Source"):
            assert section in result.output, (rule, section)


def test_dm204_large_vm_names_the_kernel_limit(tmp_path):
    body = "vm:\n  name: x\n  guest_os: rhel9\n  memory:\n    dynamic: true\n    startup: 4096MB\n    minimum: 1000MB\n    maximum: 128GB\n"
    assert _messages(_vm(tmp_path, body), "DM204") == [
        "minimum 1000 MB is not a multiple of 128 MB, which Linux guests with dynamic memory need "
        "(memory hot-add into Red Hat Enterprise Linux 9 may fail); above 64 GiB, kernels without "
        "the 2024 hv_balloon memory-block change cannot hot-add whatever the alignment"
    ]
    small = body.replace("128GB", "64GB")
    assert _messages(_vm(tmp_path, small), "DM204")[0].endswith("may fail)")
