"""The Terraform reader on real public files (tests/data/real/PROVENANCE.md)."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import check_json
from dmlint.readers import read_bytes

REAL = Path(__file__).parent / "data" / "real"


def _read(path: Path):
    return read_bytes(path.read_bytes(), str(path), "terraform")


def test_provider_example_is_a_static_vm_with_leftover_minimum_and_maximum():
    result = _read(REAL / "taliesins-example" / "resource.tf")
    assert result.problems == []
    (vm,) = result.vms
    assert (vm.name, vm.generation, vm.dynamic, vm.startup, vm.minimum, vm.maximum, vm.state) == ("WebServer", 2, False, 512, 512, 1048576, "running")
    _, findings = check_json(REAL / "taliesins-example")
    assert findings == []  # the leftover 1 TB maximum of a static VM is not a finding


def test_skybrix_on_its_own_is_a_child_module():
    # var.name has no default and the directory has no provider block or tfvars: it is
    # applied through module calls, so it is checked there, not with invented inputs
    result = _read(REAL / "skybrix" / "vm.tf")
    assert result.vms == []
    (p,) = result.problems
    assert p.rule == "DM006" and "child module (var.name without a default" in p.message and p.location.line == 1


def test_skybrix_through_a_module_call(tmp_path):
    shutil.copytree(REAL / "skybrix", tmp_path / "vm")
    (tmp_path / "main.tf").write_text('module "web" {\n  source = "./vm"\n  name   = "web"\n}\n')
    result = read_bytes((tmp_path / "main.tf").read_bytes(), str(tmp_path / "main.tf"), "terraform")
    assert result.problems == []
    (vm,) = result.vms
    # memory = coalesce(var.memory (null), try(local.preset_params.memory, 2)) with the "small" preset
    assert (vm.name, vm.startup, vm.dynamic, vm.generation) == ("web-dev", 2048, False, 2)


def test_skybrix_with_a_tfvars_file(tmp_path):
    for f in ("vm.tf", "locals.tf", "variables.tf", "providers.tf"):
        shutil.copy(REAL / "skybrix" / f, tmp_path / f)
    (tmp_path / "terraform.tfvars").write_text('name = "web"\nsize = "large"\nenvironment = "prod"\n')
    result = _read(tmp_path / "vm.tf")
    assert result.problems == []
    (vm,) = result.vms
    assert (vm.name, vm.startup) == ("web-prod", 8192)
    assert vm.notes == "Managed by Terraform. Based on image debian-12-genericcloud."
