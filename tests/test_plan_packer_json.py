"""Terraform plan JSON (SPEC §2.5) and legacy Packer JSON templates (§2.6)."""

from __future__ import annotations

import json

import pytest

from conftest import FIXTURES, check_json, run_cli
from dmlint.readers import read_bytes

GB = 1024**3
MB = 1024**2


def _read(data, name="plan.json"):
    return read_bytes(data if isinstance(data, bytes) else data.encode(), name, "json")


def _plan(resources, children=(), changes=()):
    root = {"resources": list(resources)}
    if children:
        root["child_modules"] = list(children)
    return json.dumps({"format_version": "1.2", "planned_values": {"root_module": root}, "resource_changes": list(changes)}, indent=2)


def _res(address, **values):
    return {"address": address, "mode": "managed", "type": "hyperv_machine_instance", "name": "vm", "values": values}


def test_plan_with_nested_modules_reads_every_vm_with_its_address():
    path = FIXTURES / "plan" / "dm102_passes_plan_modules.json"
    result = _read(path.read_bytes())
    got = {vm.name: (vm.source.key, vm.dynamic, vm.startup, vm.minimum, vm.maximum, vm.guest_os) for vm in result.vms}
    assert got == {
        "plan-clean-jump": ("hyperv_machine_instance.jump", False, 4096, 512, 1048576, "win2k22"),
        "plan-clean-web-a": ('module.web.hyperv_machine_instance.vm["a"]', True, 4096, 2048, 8192, "win2k22"),
        "plan-clean-web-b": ('module.web.hyperv_machine_instance.vm["b"]', True, 4096, 2048, 8192, "win2k22"),
        "plan-clean-cache-0": ("module.web.module.cache.hyperv_machine_instance.node[0]", False, 2048, 512, 1048576, "ubuntu22.04"),
    }
    assert not result.problems
    lines = path.read_text().splitlines()
    for vm in result.vms:  # the record points at its resource object, the field at its key
        assert lines[vm.source.line - 1].strip() == "{"
        assert lines[vm.source.line].strip().startswith('"address"')
        assert lines[vm.loc("startup").line - 1].strip().startswith('"memory_startup_bytes"')
    assert check_json(path) == (0, [])


def test_plan_finding_points_at_the_attribute_with_the_address_as_key():
    path = FIXTURES / "plan" / "dm102_fires_plan.json"
    _, findings = check_json(path)
    (f,) = findings
    assert f["rule"] == "DM102" and f["message"] == "minimum 4096 MB is above startup 2048 MB"
    assert path.read_text().splitlines()[f["line"] - 1].strip().startswith('"memory_minimum_bytes"')
    assert f["key"] == "hyperv_machine_instance.sql"


def test_plan_values_the_provider_refuses():
    text = _plan([
        _res("hyperv_machine_instance.a", name="pa", dynamic_memory=False, static_memory=False),
        _res("hyperv_machine_instance.b", name="pb", static_memory=True, memory_startup_bytes=GB + 1),
        _res("hyperv_machine_instance.c", name="pc", static_memory=True, memory_startup_bytes=2048),
        _res("hyperv_machine_instance.d", name="pd", static_memory=True, generation=3, state="Paused"),
        _res("hyperv_machine_instance.e", static_memory=True),
    ])
    problems = [(p.rule, p.vm, p.message) for p in _read(text).problems]
    assert ("DM002", "pa", "hyperv_machine_instance.a: dynamic_memory and static_memory are both false (or absent); the provider requires exactly one of them to be true and refuses to create the VM") in problems
    assert any(r == "DM105" and v == "pb" and "1073741825 bytes is not a whole number of MB" in m for r, v, m in problems)
    assert any(r == "DM003" and v == "pc" and "less than 1 MB" in m for r, v, m in problems)
    assert any(r == "DM002" and v == "pd" and "generation 3 is not 1 or 2" in m for r, v, m in problems)
    assert any(r == "DM002" and v == "pd" and "state 'Paused' is not Running or Off" in m for r, v, m in problems)
    assert any(r == "DM002" and "name is missing" in m for r, v, m in problems)


def test_plan_defaults_come_from_the_provider_data():
    from dmlint.readers.tf_plan import provider_data

    defaults = provider_data()["defaults"]
    (vm,) = _read(_plan([_res("hyperv_machine_instance.a", name="dflt", static_memory=True)])).vms
    assert (vm.startup, vm.minimum, vm.maximum, vm.generation, vm.state) == (
        defaults["memory_startup_bytes"]["mb"], defaults["memory_minimum_bytes"]["mb"], defaults["memory_maximum_bytes"]["mb"], 2, "running")


def test_plan_values_known_only_after_apply_are_dm006():
    text = _plan(
        [_res("hyperv_machine_instance.a", name="later", dynamic_memory=True)],
        changes=[{"address": "hyperv_machine_instance.a", "type": "hyperv_machine_instance", "change": {"actions": ["create"], "after_unknown": {"memory_maximum_bytes": True}}}],
    )
    result = _read(text)
    (p,) = result.problems
    assert p.rule == "DM006" and "memory_maximum_bytes is known only after apply" in p.message
    assert result.vms[0].maximum is None


@pytest.mark.parametrize(
    "doc",
    [
        {"format_version": "1.2", "planned_values": {"root_module": {"resources": [{"type": "aws_instance", "values": {}}]}}},
        {"format_version": "1.0", "terraform_version": "1.5.0", "values": {"root_module": {}}},  # a state, no hyperv
    ],
)
def test_plans_without_hyperv_are_skipped(doc):
    result = _read(json.dumps(doc))
    assert not result.ours and not result.problems


def test_plan_broken_is_dm001_with_position():
    text = _plan([_res("hyperv_machine_instance.a", name="x", static_memory=True)])[:-40]
    (p,) = _read(text).problems
    assert p.rule == "DM001" and p.location.line > 1


def test_plan_resource_is_data_or_deleted():
    text = _plan([dict(_res("data.hyperv_machine_instance.a", name="d"), mode="data")])
    assert _read(text).vms == []


# -- Packer ------------------------------------------------------------------------------------


def _packer(builders, **root):
    return json.dumps(dict(root, builders=builders), indent=2)


def test_packer_user_variables_and_defaults():
    from dmlint.readers.packer_json import plugin_data

    text = _packer(
        [{"type": "hyperv-iso", "vm_name": "{{ user `name` }}", "memory": "{{user `mem`}}", "enable_dynamic_memory": "{{user \"dyn\"}}"},
         {"type": "hyperv-vmcx", "name": "second"},
         {"type": "vmware-iso", "memory": 5}],
        variables={"name": "pk-var", "mem": "3072", "dyn": "true"},
    )
    first, second = _read(text).vms
    assert (first.name, first.startup, first.dynamic, first.generation) == ("pk-var", 3072, True, 1)
    assert (first.minimum, first.maximum) == (512, 1048576)  # Hyper-V's new-VM defaults
    assert first.loc("startup").line == 11  # the "memory" key of the first builder
    defaults = plugin_data()["defaults"]
    assert (second.name, second.startup, second.generation) == ("packer-second", defaults["memory"]["value"], defaults["generation"]["value"])


def test_packer_values_the_plugin_changes_or_refuses():
    text = _packer([
        {"type": "hyperv-iso", "vm_name": "g3", "generation": 3},
        {"type": "hyperv-iso", "vm_name": "big", "memory": 65536},
        {"type": "hyperv-iso", "vm_name": "env", "memory": "{{env `MEM`}}"},
    ])
    result = _read(text)
    g3 = result.vms[0]
    assert g3.generation == 1
    messages = {(p.rule, p.vm): p.message for p in result.problems}
    assert "silently builds a generation 1 VM" in messages[("DM002", "g3")]
    assert "outside 32-32768 MB; the hyperv plugin refuses to build" in messages[("DM002", "big")]
    assert "not statically known" in messages[("DM006", "env")]


def test_packer_guest_os_from_a_root_comment():
    path = FIXTURES / "packer-json" / "dm205_fires_packer.json"
    (vm,) = _read(path.read_bytes()).vms
    assert vm.guest_os == "win11"
    _, findings = check_json(path)
    assert any(f["rule"] == "DM205" and f["message"].startswith("Windows 11 needs a generation 2 VM; this VM is generation 1") for f in findings)


def test_packer_templates_without_hyperv_are_skipped():
    text = _packer([{"type": "virtualbox-iso", "memory": 1024}], description="mentions hyperv-iso in prose")
    assert not _read(text).ours


def test_json_outputs_and_show(tmp_path):
    plan = FIXTURES / "plan" / "dm205_fires_plan.json"
    sarif = json.loads(run_cli("check", "--format", "sarif", plan).output)
    result = sarif["runs"][0]["results"][0]
    assert result["ruleId"] == "DM205"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] > 1
    shown = run_cli("show", "--format", "csv", FIXTURES / "packer-json").output
    assert "pk-clean-2022" in shown and ",packer," in shown


def test_two_packer_templates_may_build_the_same_vm_name(write):
    a = write("a.json", _packer([{"type": "hyperv-iso", "vm_name": "same", "memory": 2048}]))
    write("b.json", _packer([{"type": "hyperv-iso", "vm_name": "same", "memory": 2048}]))
    code, findings = check_json(a.parent)
    assert (code, findings) == (0, [])


def test_plan_modules_nested_beyond_reason_are_dm001():
    module = {"address": "module.leaf", "resources": [_res("module.leaf.hyperv_machine_instance.vm", name="deep", static_memory=True)]}
    for _ in range(200):
        module = {"address": "module.m", "resources": [], "child_modules": [module]}
    text = json.dumps({"format_version": "1.2", "planned_values": {"root_module": module}})
    (p,) = _read(text).problems
    assert p.rule == "DM001" and "nested too deeply" in p.message
