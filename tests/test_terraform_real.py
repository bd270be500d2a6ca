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


def test_skybrix_size_table_is_evaluated_and_the_nameless_variable_is_dm006():
    result = _read(REAL / "skybrix" / "vm.tf")
    (vm,) = result.vms
    # memory = coalesce(var.memory (null), try(local.preset_params.memory, 2)) with the "small" preset
    assert (vm.startup, vm.dynamic, vm.generation) == (2048, False, 2)
    (p,) = result.problems
    assert p.rule == "DM006" and "var.name has no default" in p.message and p.location.line == 2


def test_skybrix_with_a_tfvars_file(tmp_path):
    for f in ("vm.tf", "locals.tf", "variables.tf"):
        shutil.copy(REAL / "skybrix" / f, tmp_path / f)
    (tmp_path / "terraform.tfvars").write_text('name = "web"\nsize = "large"\nenvironment = "prod"\n')
    result = _read(tmp_path / "vm.tf")
    assert result.problems == []
    (vm,) = result.vms
    assert (vm.name, vm.startup) == ("web-prod", 8192)
    assert vm.notes == "Managed by Terraform. Based on image debian-12-genericcloud."
