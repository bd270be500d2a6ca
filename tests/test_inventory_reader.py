"""PowerShell inventories (SPEC §2.7): ConvertTo-Json from 5.1 and 7, Export-Csv, the shipped
script's format; recognition by content; hostile input."""

from __future__ import annotations

import codecs
import json
import pickle

import pytest

from conftest import FIXTURES, check_json, run_cli
from dmlint.readers import read_bytes
from dmlint.readers.jsontext import LazyWhere

GB = 1024**3
MB = 1024**2
INV = FIXTURES / "inventory"


def _read(data, name="x.json"):
    fmt = name.rsplit(".", 1)[1]
    return read_bytes(data if isinstance(data, bytes) else data.encode(), name, fmt)


def _line_of(path, needle: str, encoding="utf-8") -> int:
    text = path.read_bytes().decode(encoding)
    for number, line in enumerate(text.replace("\r\n", "\n").split("\n"), start=1):
        if needle in line:
            return number
    raise AssertionError(needle)


def test_ps51_utf16_with_integer_states():
    path = INV / "dm102_fires_ps51_utf16.json"
    assert path.read_bytes()[:2] == codecs.BOM_UTF16_LE
    result = _read(path.read_bytes())
    states = {vm.name: vm.state for vm in result.vms}
    assert states == {"inv-dm102-app": "running", "inv-dm102-off": "off", "inv-dm102-saved": "saved", "inv-dm102-paused": "paused"}
    app = result.vms[0]
    assert (app.dynamic, app.startup, app.minimum, app.maximum, app.demand) == (True, 2048, 3072, 8192, 1536)
    assert app.config_version == "9.0"
    _, findings = check_json(path)
    dm102 = [f for f in findings if f["rule"] == "DM102"]
    assert dm102[0]["message"] == "minimum 3072 MB is above startup 2048 MB"
    # the line of the MemoryMinimum key of the first VM, the column of its opening quote
    assert dm102[0]["line"] == _line_of(path, '"MemoryMinimum"', "utf-16")
    assert dm102[0]["column"] == 9


def test_ps7_single_object_not_in_an_array():
    path = INV / "dm105_fires_ps7_single.json"
    assert json.loads(path.read_text())["Name"] == "inv-dm105-odd"
    result = _read(path.read_bytes())
    assert [vm.name for vm in result.vms] == ["inv-dm105-odd"]
    assert result.vms[0].guest_os == "win2k22"
    _, findings = check_json(path)
    (f,) = [f for f in findings if f["rule"] == "DM105"]
    assert f["line"] == _line_of(path, '"MemoryStartup"') and f["column"] == 3


def test_string_states_and_unknown_state():
    vms = [
        {"Name": "a", "State": "Starting", "MemoryStartup": GB},
        {"Name": "b", "State": "FastSaved", "MemoryStartup": GB},
        {"Name": "c", "State": 1, "MemoryStartup": GB},
        {"Name": "d", "State": "Levitating", "MemoryStartup": GB},
    ]
    result = _read(json.dumps(vms, indent=1))
    assert [vm.state for vm in result.vms] == ["running", "saved", "running", "running"]
    messages = [p.message for p in result.problems]
    assert any("State: 1 (Other) is not a VM state dmlint knows" in m for m in messages), messages
    assert any("'Levitating' is not a VM state" in m for m in messages), messages


def test_csv_with_type_line_points_at_row_and_column():
    path = INV / "dm201_fires_ps51.csv"
    assert path.read_text().startswith("#TYPE ")
    _, findings = check_json(path)
    (f,) = [f for f in findings if f["rule"] == "DM201"]
    assert f["line"] == 3 and f["vm"] == "inv-dm201-web"
    row = path.read_text().splitlines()[2]
    assert row[f["column"] - 1:].startswith('"1073741824"')  # the MemoryStartup field


def test_csv_use_culture_semicolons_and_a_subset_of_columns():
    text = "Name;MemoryStartup;Notes\nsemi-1;1073741824;guest_os=win2k19\nsemi-2;;\n"
    result = _read(text, "vms.csv")
    assert [vm.name for vm in result.vms] == ["semi-1", "semi-2"]
    assert result.vms[0].startup == 1024 and result.vms[0].guest_os == "win2k19"
    # an empty field is an absent value: semi-2 has no startup, which is required
    assert any("no MemoryStartup" in p.message and p.vm == "semi-2" for p in result.problems)
    assert result.vms[0].loc("startup").column == len("semi-1;") + 1


def test_csv_hosts_from_get_vmhost():
    text = '"ComputerName","MemoryCapacity","LogicalProcessorCount"\n"HVX","274877906944","64"\n'
    result = _read(text, "hosts.csv")
    assert [(h.name, h.memory) for h in result.hosts] == [("HVX", 262144)]


def test_script_format_hosts_clusters_and_versions():
    result = _read((INV / "dm201_passes_inventory.json").read_bytes())
    assert [(h.name, h.memory, h.cluster, h.hyperv_version) for h in result.hosts] == [
        ("INV-CLEAN-HV1", 131072, "INV-CLEAN-CL", "2022"),
        ("INV-CLEAN-HV2", 131072, "INV-CLEAN-CL", "2022"),
    ]
    sql = result.vms[0]
    assert (sql.host, sql.clustered, sql.demand) == ("INV-CLEAN-HV1", True, 12288)
    assert not result.problems
    code, findings = check_json(INV / "dm201_passes_inventory.json")
    assert (code, findings) == (0, [])


def test_fleet_from_inventory_uses_measured_demand():
    _, findings = check_json(INV / "dm302_fires_inventory_demand.json")
    (f,) = [f for f in findings if f["rule"] == "DM302"]
    assert "likely needs Smart Paging" in f["message"] and "512 MB gap" in f["message"]
    assert f["vm"] == "inv-dm302-web"


def test_get_vmmemory_records_merge_into_their_vm():
    doc = [
        {"Name": "m1", "ComputerName": "H", "MemoryStartup": 2 * GB, "DynamicMemoryEnabled": True, "MemoryMinimum": GB, "MemoryMaximum": 4 * GB},
        {"VMName": "m1", "Name": "Memory", "ComputerName": "H", "Startup": 2 * GB, "Minimum": GB, "Maximum": 4 * GB, "Buffer": 35, "Priority": 80, "DynamicMemoryEnabled": True},
        {"VMName": "m2", "Name": "Memory", "ComputerName": "H", "Startup": GB, "Buffer": 5, "Priority": 0, "DynamicMemoryEnabled": "False"},
    ]
    result = _read(json.dumps(doc, indent=2))
    assert [(vm.name, vm.buffer, vm.weight, vm.startup) for vm in result.vms] == [("m1", 35, 80, 2048), ("m2", 5, 0, 1024)]
    assert result.vms[0].loc("buffer").line == 17  # the Buffer line of the Get-VMMemory record


def test_ps51_value_count_wrapper():
    doc = {"value": [{"Name": "w1", "MemoryStartup": GB}], "Count": 1}
    assert [vm.name for vm in _read(json.dumps(doc)).vms] == ["w1"]


def test_depth_truncation_is_explained():
    doc = {"Format": "dmlint-inventory", "Hosts": [], "VMs": ["Microsoft.HyperV.PowerShell.VirtualMachine", "Microsoft.HyperV.PowerShell.VirtualMachine"]}
    result = _read(json.dumps(doc))
    assert result.ours
    (p,) = result.problems
    assert p.rule == "DM002" and "-Depth" in p.message
    doc = [{"Name": "t1", "MemoryStartup": "Microsoft.HyperV.PowerShell.VMMemory"}]
    (p,) = [p for p in _read(json.dumps(doc)).problems if p.rule == "DM002"]
    assert "is a type name" in p.message and "-Depth 4" in p.message


def test_sizes_are_bytes():
    doc = [{"Name": "u1", "MemoryStartup": 4096}, {"Name": "u2", "MemoryStartup": -GB}, {"Name": "u3", "MemoryStartup": GB + 1}]
    problems = {p.vm: p for p in _read(json.dumps(doc)).problems}
    assert problems["u1"].rule == "DM003" and "less than 1 MB" in problems["u1"].message
    assert problems["u2"].rule == "DM003" and "negative" in problems["u2"].message
    assert problems["u3"].rule == "DM105" and "not a whole number of MB" in problems["u3"].message


@pytest.mark.parametrize(
    "name,data",
    [
        ("package.json", b'{"name": "app", "version": "1.0.0", "dependencies": {"left-pad": "1.3.0"}}'),
        ("tsconfig.json", b'{\n  // comments: JSONC, not JSON\n  "compilerOptions": {"strict": true,},\n}'),
        ("data.json", b"\xff\xd8\xff\xe0 binary junk \x00\x01"),
        ("report.csv", b"id,price\n1,2.50\n"),
        ("junk.csv", b"\x00\x01\x02\xff"),
        ("empty.json", b""),
    ],
)
def test_unrelated_files_are_skipped_silently(write, name, data):
    result = _read(data, name)
    assert not result.ours and not result.problems
    code, findings = check_json(write(name, data))
    assert (code, findings) == (0, [])


def test_package_lock_is_not_parsed(monkeypatch):
    """A big unrelated JSON file costs a byte search, not a parse."""
    from dmlint.readers import jsontext

    calls = []
    monkeypatch.setattr(jsontext.JsonDoc, "parse", lambda self, descend=None: calls.append(1))
    lock = json.dumps({"packages": {f"node_modules/p{i}": {"version": "1.0.0"} for i in range(20000)}}).encode()
    assert not _read(lock, "package-lock.json").ours
    assert calls == []


@pytest.mark.parametrize(
    "text,message,line,col",
    [
        ('[\n  {"Name": "x", "MemoryStartup": 1073741824,\n', "Expecting property name", 3, 1),
        ('[{"Name": "x", "MemoryStartup": 1073741824}] trailing', "extra data", 1, 46),
        ('[{"Name": "x", "MemoryStartup": 10737418\n24}]', "Expecting ',' delimiter", 2, 1),
        ('{"VMs": [{"Name": "x", "MemoryStartup": 1,}]}', "Expecting property name", 1, 43),
    ],
)
def test_malformed_inventory_json_is_dm001_with_position(text, message, line, col):
    result = _read(text)
    (p,) = result.problems
    assert p.rule == "DM001" and message in p.message
    assert (p.location.line, p.location.column) == (line, col)


def test_hostile_json():
    deep = '{"MemoryStartup": ' + "[" * 100000 + "]" * 100000 + "}"
    (p,) = _read(deep).problems
    assert p.rule == "DM001" and "nested too deeply" in p.message
    huge = '[{"Name": "h", "MemoryStartup": ' + "9" * 100000 + ', "Other": ' + "1" * 5000 + "}]"
    result = _read(huge)
    (p,) = result.problems
    assert p.rule == "DM003" and "100000 digits" in p.message
    bad_utf8 = b'[{"Name": "caf\xe9", "MemoryStartup": 1073741824}]'
    (p,) = _read(bad_utf8).problems
    assert p.rule == "DM001" and "not valid UTF-8" in p.message and p.location.key == "byte 14"
    nul = b'[{"Name": "a\x00", "DynamicMemoryEnabled": true}]'
    (p,) = _read(nul).problems
    assert p.rule == "DM001" and "NUL" in p.message


def test_utf16_without_bom_and_big_endian():
    doc = json.dumps([{"Name": "w16", "MemoryStartup": GB}])
    assert [vm.name for vm in _read(doc.encode("utf-16-le")).vms] == ["w16"]
    assert [vm.name for vm in _read(codecs.BOM_UTF16_BE + doc.encode("utf-16-be")).vms] == ["w16"]


def test_hostile_csv(write):
    giant = '"Name","MemoryStartup"\n"big","' + "9" * 200000 + '"\n'
    (p,) = _read(giant, "x.csv").problems
    assert p.rule == "DM001" and "field larger than field limit" in p.message and p.location.line == 2
    nul = b'"Name","MemoryStartup"\n"n\x00","1073741824"\n'
    (p,) = _read(nul, "x.csv").problems
    assert p.rule == "DM001" and "NUL" in p.message
    extra = '"Name","MemoryStartup"\n"e1","1073741824","surplus"\n'
    assert any("3 fields but the header names 2" in p.message for p in _read(extra, "x.csv").problems)
    multiline = '"Name","Notes","MemoryStartup"\n"ml","two\nlines","1025"\n'
    result = _read(multiline, "x.csv")
    assert result.vms[0].loc("startup").line == 2  # the row's first line; column unknown -> 1


def test_positions_are_found_only_when_asked(monkeypatch):
    """Bounded work: a clean 2,000-VM inventory walks no record's members."""
    from dmlint.readers import jsontext

    calls = []
    original = jsontext.JsonDoc.member_offsets

    def counting(self, start):
        calls.append(start)
        return original(self, start)

    monkeypatch.setattr(jsontext.JsonDoc, "member_offsets", counting)
    doc = [{"Name": f"c{i}", "State": 2, "MemoryStartup": 2 * GB, "Generation": 2} for i in range(2000)]
    doc[1500]["MemoryStartup"] = 2 * GB + 2 * MB + MB  # 2051 MB: DM105 at this one VM
    result = _read(json.dumps(doc, indent=2))
    assert len(result.vms) == 2000 and calls == []
    from dmlint.engine import Registry
    from dmlint.pipeline import Options, check_records

    registry = Registry.load(entry_points=False)
    findings = check_records(result.vms, result.hosts, registry, {r.id for r in registry.all()}, Options())
    (f,) = findings
    assert f.rule == "DM105" and f.vm == "c1500" and len(calls) == 1
    assert f.location.line == 1500 * 6 + 5  # indent=2: 6 lines per VM, MemoryStartup is the 4th


def test_lazy_where_is_a_plain_dict_to_its_users():
    resolved = []
    where = LazyWhere({"startup": "MemoryStartup", "host": "ComputerName"}, lambda key: resolved.append(key) or key.lower())
    assert "startup" in where and "weight" not in where and len(where) == 2
    assert where.get("startup") == "memorystartup" and resolved == ["MemoryStartup"]
    assert where.get("weight", "dflt") == "dflt"
    assert dict(where) == {"startup": "memorystartup", "host": "computername"}
    assert pickle.loads(pickle.dumps(where)) == {"startup": "memorystartup", "host": "computername"}
    assert type(pickle.loads(pickle.dumps(where))) is dict


def test_per_file_ignores_baseline_and_formats(tmp_path):
    src = INV / "dm102_fires_ps51_utf16.json"
    target = tmp_path / "inv" / "vms.json"
    target.parent.mkdir()
    target.write_bytes(src.read_bytes())
    config = tmp_path / ".dmlint.yaml"
    config.write_text('per-file-ignores:\n  "inv/*.json": ["DM102"]\n')
    result = run_cli("check", "--format", "json", "--config", config, target)
    assert "DM102" not in result.output
    baseline = tmp_path / "baseline.json"
    run_cli("check", "--write-baseline", baseline, target)
    assert run_cli("check", "--baseline", baseline, target).exit_code == 0
    sarif = json.loads(run_cli("check", "--format", "sarif", target).output)
    region = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] == _line_of(src, '"MemoryMinimum"', "utf-16")
    shown = json.loads(run_cli("show", "--format", "json", target).output)
    assert [v["fmt"] for v in shown["vms"]] == ["inventory"] * 4


def test_pre_commit_hook_passes_json_and_csv():
    import re

    import yaml

    from conftest import REPO

    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    for name in ("infra/plan.json", "inventory/vms.csv", "vm.yaml"):
        assert re.search(hook["files"], name), name


def test_jobs_hand_lazy_positions_across_processes(tmp_path):
    """--jobs pickles ParseResults: LazyWhere arrives as a plain dict with every position."""
    for i in range(70):  # more than the 64 files below which --jobs stays in-process
        doc = [{"Name": f"j{i}", "MemoryStartup": 2 * GB, "MemoryMinimum": 3 * GB, "DynamicMemoryEnabled": True}]
        (tmp_path / f"vms{i:02d}.json").write_text(json.dumps(doc, indent=2))
    one = run_cli("check", "--format", "json", tmp_path).output
    two = run_cli("check", "--format", "json", "--jobs", "2", tmp_path).output
    assert one == two
    findings = json.loads(two)
    assert len(findings) == 70 and {(f["rule"], f["line"]) for f in findings} == {("DM102", 5)}
