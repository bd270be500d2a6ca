"""A rule (or the fleet pass) that raises on one record is contained to that record: one
internal-error finding naming it, every other record and rule still checked (issue 12, hole 5)."""

from __future__ import annotations

from fleet_helpers import GB, host, vm

from dmlint.engine import Registry
from dmlint.pipeline import Options, check_records


def _run(vms, hosts):
    registry = Registry.load(entry_points=False)
    selected = {r.id for r in registry.all()}
    return check_records(vms, hosts, registry, selected, Options(overhead_mb=64))


def test_a_record_the_fleet_pass_cannot_handle_costs_only_its_host():
    weird = vm("w-bad", "w-h1", 4 * GB)
    weird.startup = "4 GB"  # not an int: what a reader bug or a plugin could hand the fleet pass
    vms = [weird, vm("w-ok", "w-h1", 1 * GB), vm("w-big", "w-h2", 40 * GB)]
    hosts = [host("w-h1", 16 * GB), host("w-h2", 32 * GB, reserve=2 * GB)]
    findings = _run(vms, hosts)
    internal = [f for f in findings if "internal error" in f.message]
    assert all(f.vm == "w-bad" for f in internal if "fleet pass" not in f.message), internal  # vm rules: that VM only
    fleet_errors = [f for f in internal if "fleet pass" in f.message]
    assert len(fleet_errors) == 1, [f.message for f in internal]
    (f,) = fleet_errors
    assert f.host == "w-h1" and f.location.path == "w-h1.yaml"
    assert "fleet pass" in f.message and "w-h1" in f.message
    # the other host is still checked: its 40 GB VM does not fit in 30 GB usable
    assert [(x.rule, x.vm) for x in findings if x.host == "w-h2"] == [("DM301", None), ("DM303", None), ("DM306", "w-big")]
    assert not [x for x in findings if x.host == "w-h1" and "internal error" not in x.message]


def test_a_vm_rule_that_raises_on_one_vm_reports_that_vm_only():
    weird = vm("v-bad", None, 4 * GB, dynamic=True, minimum=1 * GB, maximum=8 * GB)
    weird.buffer = "twenty"
    findings = _run([weird, vm("v-ok", None, 4 * GB, dynamic=True, minimum=8 * GB, maximum=8 * GB)], [])
    internal = [f for f in findings if "internal error" in f.message]
    assert internal and {f.vm for f in internal} == {"v-bad"}
    assert ("DM102", "v-ok") in [(f.rule, f.vm) for f in findings]
