"""DM108: a configuration version the target host cannot run. Expected messages are written
by hand from Microsoft's table (rules/data/hyperv_versions.yaml, supported_config_versions)."""

from __future__ import annotations

import pytest

from conftest import FIXTURES, check_json


def _findings(tmp_path, body: str, name="vm.yaml"):
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return check_json(path)[1]


def _dm108(findings):
    return [(f["line"], f["message"]) for f in findings if f["rule"] == "DM108"]


def _vm(version, config, extra=""):
    return f"vm:\n  name: x\n  hyperv_version: \"{version}\"\n  config_version: {config}\n{extra}  memory:\n    startup: 4GB\n"


def test_yaml_fixture_message_and_position():
    _, findings = check_json(FIXTURES / "yaml" / "dm108_fires.yaml")
    assert _dm108(findings) == [
        (4, "configuration version 5.0 cannot start on Hyper-V 2022, which runs 8.0 to 10.0; "
            "upgrade it first (Update-VMVersion) on 2016 or 2019")
    ]


def test_xml_export_on_a_2025_host():
    _, findings = check_json(FIXTURES / "xml" / "dm108_fires")
    hits = [f for f in findings if f["rule"] == "DM108"]
    assert [f["message"] for f in hits] == [
        "configuration version 5.0 cannot start on Hyper-V 2025, which runs 8.0 to 12.0; "
        "upgrade it first (Update-VMVersion) on 2016 or 2019"
    ]
    assert hits[0]["path"].endswith("vm.xml") and hits[0]["line"] == 11  # properties/version


@pytest.mark.parametrize("config", ['"5.0"', '"6.2"', '"7.0"', '"7.1"'])
@pytest.mark.parametrize("version", ["2022", "2025"])
def test_5_0_to_7_1_cannot_start_on_2022_and_2025(tmp_path, version, config):
    messages = [m for _, m in _dm108(_findings(tmp_path, _vm(version, config)))]
    assert len(messages) == 1 and messages[0].startswith(f"configuration version {config.strip(chr(34))} cannot start on Hyper-V {version}")


@pytest.mark.parametrize(
    "version,config",
    [("2022", '"8.0"'), ("2022", '"10.0"'), ("2025", '"12.0"'), ("2025", "9.0"), ("2019", '"5.0"'), ("2016", '"7.1"'), ("2012r2", '"5.0"'),
     ("2012", '"5.0"'),  # 2012 is not in Microsoft's table: not checked
     ("2012r2", '"4.0"')],  # the 2012 R2 row lists only 5.0 but 2012 VMs import there: no lower bound
)
def test_supported_versions_pass(tmp_path, version, config):
    assert _dm108(_findings(tmp_path, _vm(version, config))) == []


def test_newer_than_the_host(tmp_path):
    assert _dm108(_findings(tmp_path, _vm("2022", '"11.0"'))) == [
        (4, "configuration version 11.0 is newer than Hyper-V 2022, which runs 8.0 to 10.0; "
            "a VM made on a newer Hyper-V cannot be imported on an older one")
    ]
    assert [m for _, m in _dm108(_findings(tmp_path, _vm("2016", '"9.0"')))] == [
        "configuration version 9.0 is newer than Hyper-V 2016, which runs 5.0 to 8.0; "
        "a VM made on a newer Hyper-V cannot be imported on an older one"
    ]


def test_target_from_the_host_record_or_silent_without_one(tmp_path):
    body = (
        "hosts:\n  - name: h25\n    memory: 64GB\n    hyperv_version: \"2025\"\n"
        "vms:\n  - name: a\n    host: h25\n    config_version: \"7.0\"\n    memory:\n      startup: 1GB\n"
        "  - name: b\n    config_version: \"7.0\"\n    memory:\n      startup: 1GB\n"
    )
    findings = _findings(tmp_path, body)
    assert [(f["vm"], f["message"].split(",")[0]) for f in findings if f["rule"] == "DM108"] == [
        ("a", "configuration version 7.0 cannot start on Hyper-V 2025")
    ]


def test_bad_config_version_is_dm002(tmp_path):
    findings = _findings(tmp_path, _vm("2022", '"five"'))
    assert [(f["rule"], f["message"]) for f in findings if f["rule"] in ("DM002", "DM108")] == [
        ("DM002", "config_version: 'five' is not a configuration version (major.minor, e.g. 9.0)")
    ]
