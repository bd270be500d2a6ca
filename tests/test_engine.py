"""The rule loader: built-in pack, --rules DIR and entry points go through one mechanism."""

from __future__ import annotations

import sys

import pytest

from dmlint.engine import Registry, RuleLoadError, load_directory
from dmlint.model import VM, Location
from dmlint.pipeline import Options, check_records

RULE = '''"""What it does
    Test rule.
"""
ID = "{id}"
NAME = "{name}"
SEVERITY = "warning"
SUMMARY = "test"
SOURCE = "https://example.org/{id}"
SCOPE = "vm"


def check(vm, ctx):
    if vm.startup and vm.startup > 1024:
        yield "startup", f"{id}: startup {{vm.startup}} MB"
'''


def _pack(tmp_path, name, rule_id, rule_name):
    d = tmp_path / name
    d.mkdir()
    (d / f"{rule_id.lower()}.py").write_text(RULE.format(id=rule_id, name=rule_name))
    return d


def test_builtin_rules_are_well_formed():
    registry = Registry.load(entry_points=False)
    ids = [r.id for r in registry.all()]
    assert ids == sorted(ids) and "DM102" in ids
    for rule in registry.all():
        assert rule.doc.startswith("What it does"), rule.id
        for section in ("Why it matters", "Example", "Source"):
            assert section in rule.doc, f"{rule.id} docstring lacks {section!r}"
        assert rule.source.startswith("https://"), rule.id


def test_rules_dir_loads_and_runs(tmp_path):
    pack = _pack(tmp_path, "pack", "ORG901", "big-vm")
    registry = Registry.load(extra_dirs=[pack], entry_points=False)
    assert registry.get("ORG901").source == "https://example.org/ORG901"
    vm = VM(name="v", source=Location("x.yaml", 1, 1), startup=2048)
    vm.where["startup"] = Location("x.yaml", 4, 14)
    (f,) = [f for f in check_records([vm], [], registry, {"ORG901"}, Options()) if f.rule == "ORG901"]
    assert (f.message, f.location.line, str(f.severity), f.vm) == ("ORG901: startup 2048 MB", 4, "warning", "v")


def test_entry_point_packs_are_loaded(tmp_path, monkeypatch):
    pkg = tmp_path / "site" / "acme_rules"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "acme001.py").write_text(RULE.format(id="ACME001", name="acme-big"))
    dist = tmp_path / "site" / "acme_rules-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-rules\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[dmlint.rules]\nacme = acme_rules\n")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    registry = Registry.load()
    assert registry.get("ACME001").name == "acme-big"
    sys.modules.pop("acme_rules", None)


def test_broken_rule_packs_are_load_errors(tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "x.py").write_text("raise RuntimeError('boom')\n")
    with pytest.raises(RuleLoadError, match="failed to load: RuntimeError: boom"):
        load_directory(bad)
    (bad / "x.py").write_text('"""doc"""\nID = "lower1"\nNAME = "x"\nSEVERITY = "error"\nSUMMARY = "s"\nSOURCE = "u"\ndef check(vm, ctx): return ()\n')
    with pytest.raises(RuleLoadError, match="is not letters followed by digits"):
        load_directory(bad)
    dup = _pack(tmp_path, "dup", "DM102", "clash")
    with pytest.raises(RuleLoadError, match="DM102 is defined twice"):
        Registry.load(extra_dirs=[dup], entry_points=False)


def test_a_crashing_rule_is_a_finding_not_a_crash(tmp_path):
    d = tmp_path / "crash"
    d.mkdir()
    (d / "org999.py").write_text(RULE.format(id="ORG999", name="crash").replace('yield "startup"', 'yield 1 / 0, "x"'))
    registry = Registry.load(extra_dirs=[d], entry_points=False)
    vm = VM(name="v", source=Location("x.yaml", 2, 3), startup=4096)
    (f,) = [f for f in check_records([vm], [], registry, {"ORG999"}, Options())]
    assert "internal error in rule ORG999: ZeroDivisionError" in f.message


def test_cli_reports_bad_rule_pack_as_usage_error(tmp_path):
    from conftest import run_cli

    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "x.py").write_text("ID = 1\n")
    result = run_cli("check", "--rules", bad, tmp_path)
    assert result.exit_code == 2 and "lacks a string ID" in result.output


def test_packer_box_xml_beside_the_vmcx_is_one_vm():
    from dmlint.pipeline import _drop_packer_shadows

    def vm(path, fmt, name="web"):
        return VM(name=name, source=Location(path, 1, 1), fmt=fmt)

    vms = [vm("out/Virtual Machines/box.xml", "xml"), vm("out/Virtual Machines/1A2B.vmcx", "vmcx"),
           vm("other/Virtual Machines/box.xml", "xml"), vm("out/Virtual Machines/x.xml", "xml", name="db")]
    kept = _drop_packer_shadows(vms)
    assert [(v.source.path, v.name) for v in kept] == [
        ("out/Virtual Machines/1A2B.vmcx", "web"), ("other/Virtual Machines/box.xml", "web"), ("out/Virtual Machines/x.xml", "db")]
