"""Before/after pin of the fleet pass's output, for the facts-vs-rules refactor (issue 8).

The expected file tests/golden/fleet_golden.json was produced by the fleet code as it stood
BEFORE the refactor (commit "Pin today's fleet findings ..."), by running this file with
``--write``. That is on purpose and only legitimate for this purpose: the file does not say the
findings are right (the hand-computed tests in test_fleet_rules.py and
test_fleet_worked_examples.py do that), it says the refactor changed none of them. Every
finding is compared with its rule, severity, message, location, VM, host, field and its order
(the order the rules yield them in, before the run sorts them), together with the per-host
table row of `dmlint fleet`.

Layouts: the benchmark fleets of tests/benchmarks/bench_fleet.py (both layouts, 6,400 VMs on 80
hosts: one hot cluster of 64 and one of 16), two varied generated fleets (3,000 VMs on
300 hosts of 8-256 GB, and the same with twice the memory: every VM state, undefined and near-miss host names, single-host and host-less clusters,
DM on/off, demand known/unknown), and every fixture in fixtures/fleet/ through `dmlint fleet`.

Regenerate (only when a change of output is intended, and say so in the commit):
    python tests/test_fleet_golden.py --write
"""

from __future__ import annotations

import importlib.util
import json
import random
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from conftest import FIXTURES, run_cli  # noqa: E402

from dmlint.engine import Registry  # noqa: E402
from dmlint.model import VM, Host, Location  # noqa: E402
from dmlint.pipeline import Context, Options, check_records  # noqa: E402

GOLDEN = HERE / "golden" / "fleet_golden.json"
GB = 1024
# the old per-host table keys (the fleet JSON may grow; these must not change)
HOST_KEYS = (
    "host", "cluster", "physical_mb", "reserve_mb", "reserve_estimated", "usable_mb", "vms", "running",
    "overhead_mb", "sum_minimum_mb", "sum_demand_mb", "sum_target_mb", "sum_startup_mb",
    "running_dynamic_without_demand", "worst_restart_gap_mb", "worst_restart_gap_certain",
    "worst_restart_vm", "nplus1", "nplus1_failures",
)


def _bench_module():
    spec = importlib.util.spec_from_file_location("bench_fleet", HERE / "benchmarks" / "bench_fleet.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def bench_fleet(layout: str):
    mod = _bench_module()
    mod.LAYOUT = layout
    return mod.make_fleet(6_400, 80)


def varied_fleet(seed: int = 11, n_hosts: int = 300, roomy: int = 1):
    """3,000 VMs on 300 hosts of 8-256 GB: every state, DM on/off, demand known/unknown, paused VMs,
    undefined and near-miss host names, clusters of 1-9 hosts and hosts without a cluster."""
    rnd = random.Random(seed)
    hosts = []
    for i in range(n_hosts):
        loc = Location(f"hosts{i % 4}.yaml", 10 + i, 5)
        cluster = None if i % 7 == 3 else (f"k{i // 9}" if i < n_hosts - 6 else f"solo{i}")
        where = {"cluster": Location(loc.path, loc.line, 30, "cluster")} if cluster and i % 2 else {}
        hosts.append(Host(name=f"h{i:03d}", source=loc, memory=rnd.choice((8, 16, 24, 32, 48, 64, 96, 128, 256)) * GB * roomy,
                          reserve=rnd.choice((None, None, 1 * GB, 2 * GB, 4 * GB)), cluster=cluster, where=where))
    vms = []
    for i in range(3_000):
        h = hosts[rnd.randrange(n_hosts)]
        hn = h.name
        r = rnd.random()
        if r < 0.01:
            hn = hn[:-1] + "x"  # near miss: did-you-mean
        elif r < 0.015:
            hn = f"nowhere-{i}"
        elif r < 0.02:
            hn = None
        loc = Location(f"vms{i % 5}.yaml", 1 + i, 3)
        startup = rnd.choice((512, 1024, 2048, 4096, 8192, 12288, 16384, 24576))
        if rnd.random() < 0.02:
            startup = None
        dynamic = rnd.random() < 0.6
        vm = VM(name=f"v{i:05d}", source=loc, host=hn, startup=startup, dynamic=dynamic,
                state=rnd.choice(("running",) * 7 + ("paused", "off", "off", "saved")),
                clustered=rnd.random() < 0.6, buffer=rnd.choice((5, 20, 20, 50, 100)), weight=rnd.choice((0, 10, 50, 50, 100)),
                where={"startup": Location(loc.path, loc.line, 9, "memory.startup")} if i % 3 == 0 else {})
        if dynamic and startup:
            vm.minimum = rnd.choice((None, max(32, startup // 8), startup // 2, startup, startup * 2))
            vm.maximum = rnd.choice((None, startup, startup * 2, startup * 4))
            if rnd.random() < 0.5:
                vm.demand = rnd.randint(64, startup * 2)
        vms.append(vm)
    return vms, hosts


def _finding_row(f):
    loc = f.location
    return [f.rule, str(f.severity), f.message, loc.path, loc.line, loc.column, loc.key, f.vm, f.host, f.field]


def generated_output(vms, hosts) -> dict:
    """Fleet findings in the order the rules yield them, and the `dmlint fleet` table rows."""
    from dmlint.fleet.table import _rows

    registry = Registry.load(entry_points=False)
    selected = {r.id for r in registry.all() if r.scope == "fleet"}
    ctx = Context(Options(), vms, hosts)
    findings = check_records(vms, hosts, registry, selected, ctx.options, ctx=ctx)
    return {"findings": [_finding_row(f) for f in findings], "table": [list(r) for r in _rows(ctx.fleet)]}


def fixture_output(path: Path) -> dict:
    result = run_cli("fleet", "--format", "json", path)
    assert result.exit_code in (0, 1), result.output
    doc = json.loads(result.output)
    return {
        "exit": result.exit_code,
        "findings": doc["findings"],
        "hosts": [{k: h[k] for k in HOST_KEYS} for h in doc["hosts"]],
        "clusters": doc["clusters"],
    }


def layouts():
    yield "bench-grouped", lambda: generated_output(*bench_fleet("grouped"))
    yield "bench-spread", lambda: generated_output(*bench_fleet("spread"))
    yield "varied", lambda: generated_output(*varied_fleet())
    yield "varied-roomy", lambda: generated_output(*varied_fleet(seed=12, roomy=2))
    for d in sorted((FIXTURES / "fleet").iterdir()):
        if d.is_dir():
            yield f"fixture-{d.name}", (lambda d=d: fixture_output(d))


def _golden() -> dict:
    if not GOLDEN.exists():
        pytest.fail(f"{GOLDEN} is missing (it is committed with the repository)")
    return json.loads(GOLDEN.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name,make", list(layouts()), ids=[n for n, _ in layouts()])
def test_fleet_output_unchanged(name, make):
    expected = _golden()[name]
    got = json.loads(json.dumps(make()))  # tuples -> lists, as in the file
    assert got["findings"] == expected["findings"]
    assert got == expected


def test_golden_layouts_fire_every_fleet_rule():
    """The pin is only worth something if each rule fires in it, certain and likely both."""
    golden = _golden()
    rows = [row for name, out in golden.items() if not name.startswith("fixture-") for row in out["findings"]]
    rules = {row[0] for row in rows}
    assert rules == {"DM301", "DM302", "DM303", "DM304", "DM305", "DM306"}
    messages = [row[2] for row in rows]
    assert any("(certain)" in m for m in messages) and any("likely needs Smart Paging" in m for m in messages)
    assert any(" likely cannot restart" in m for m in messages) and any("VMs cannot restart" in m for m in messages)
    assert any("did you mean" in m for m in messages) and any("off VM cannot start" in m for m in messages)
    assert any("memory buffers cannot be met" in m for m in messages) and any("observed demand cannot be met" in m for m in messages)
    assert sum(len(out["findings"]) for out in golden.values()) > 500


if __name__ == "__main__" and "--write" in sys.argv:
    GOLDEN.parent.mkdir(exist_ok=True)
    data = {name: json.loads(json.dumps(make())) for name, make in layouts()}
    GOLDEN.write_text(json.dumps(data, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {GOLDEN}: {sum(len(v['findings']) for v in data.values())} findings")
