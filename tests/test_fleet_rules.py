"""Targeted cases of DM301-DM306 with hand-computed numbers (records built directly)."""

from __future__ import annotations

from fleet_helpers import GB, by_rule, findings, fleet_of, host, vm

from dmlint.fleet import estimated_reserve, waterfill


def test_estimated_reserve_is_labelled():
    assert estimated_reserve(16 * GB) == 384 + 1024
    assert estimated_reserve(1000) == 384 + 63  # 62.5 rounded up
    f = fleet_of([vm("r-big", "r-h", 15 * GB)], [host("r-h", 16 * GB)])
    h = f.by_name["r-h"]
    assert h.estimated and h.usable == 16384 - 1408
    (rec, fld, msg), = findings(f)["DM306"]
    assert (rec.name, fld) == ("r-big", "startup")
    assert "usable 14976 MB on host r-h (estimated: 16384 MB physical - 1408 MB reserve by 384 MB + 64 MB per GB" in msg


def test_dm301_paused_vm_counts_at_startup_saved_vm_holds_nothing():
    hosts = [host("m-h", 32 * GB, reserve=2 * GB)]  # usable 30720
    vms = [
        vm("m-a", "m-h", 16 * GB, dynamic=True, minimum=8 * GB, state="paused"),  # cannot balloon: 16384
        vm("m-b", "m-h", 16 * GB, dynamic=True, minimum=14 * GB),  # 14336
        vm("m-saved", "m-h", 28 * GB, state="saved"),  # holds nothing
    ]
    f = by_rule(fleet_of(vms, hosts))
    (name, fld, msg), = f["DM301"]
    assert (name, fld) == ("m-h", "memory")
    assert "minimums of 2 running VMs" in msg and "need 30848 MB" in msg and "128 MB short" in msg
    vms[0].state = "running"  # now it can be squeezed to 8192: 8192 + 14336 + 128 fits
    assert by_rule(fleet_of(vms, hosts))["DM301"] == []


def test_dm302_certain_gap_and_ineligible_vms():
    hosts = [host("s-h", 16 * GB, reserve=2 * GB)]  # usable 14336
    vms = [
        vm("s-web", "s-h", 8 * GB, dynamic=True, minimum=1 * GB),
        vm("s-db", "s-h", 8 * GB),  # static: never Smart Paging
        vm("s-eq", "s-h", 2 * GB, dynamic=True, minimum=2 * GB),  # minimum = startup: not eligible
    ]
    f = by_rule(fleet_of(vms, hosts))
    (name, fld, msg), = f["DM302"]
    assert (name, fld) == ("s-web", "startup")
    # 8192 + 8192 + 2048 + 3 x 64 = 18624 > 14336: gap 4288
    assert "(certain)" in msg and "needs 18624 MB" in msg and "4288 MB gap" in msg
    h = fleet_of(vms, hosts).by_name["s-h"]
    assert (h.gap_hard, h.gap_soft, h.gap_vm) == (4288, 4288, "s-web")


def test_dm303_best_order_and_off_vm():
    hosts = [host("b-h", 16 * GB, reserve=2 * GB)]  # usable 14336
    vms = [
        vm("b-a", "b-h", 13 * GB, dynamic=True, minimum=1 * GB),
        vm("b-b", "b-h", 13 * GB, dynamic=True, minimum=1 * GB),
    ]
    fl = fleet_of(vms, hosts)
    (rec, fld, msg), = findings(fl)["DM303"]
    assert rec.name == "b-h" and "peaks at 14464 MB" in msg and "128 MB short" in msg
    assert fl.by_name["b-h"].stagger_order == ["b-a", "b-b"]  # tie on startup - minimum: by name
    # one fewer GB each: 1024 + 12288 + 128 = 13440 fits; an off VM of 13 GB does not fit next to the minimums
    vms = [vm("b-a", "b-h", 12 * GB, dynamic=True, minimum=1 * GB), vm("b-c", "b-h", 13 * GB, state="off")]
    f = by_rule(fleet_of(vms, hosts))
    (name, fld, msg), = f["DM303"]
    assert (name, fld) == ("b-c", "state") and "needs 14464 MB" in msg


def test_dm304_demand_shared_by_weight():
    hosts = [host("d-h", 16 * GB, reserve=2 * GB)]  # usable 14336, minus 128 overhead = 14208 for the VMs
    vms = [
        vm("d-a", "d-h", 2 * GB, dynamic=True, minimum=1 * GB, maximum=16 * GB, demand=8 * GB, weight=80),
        vm("d-b", "d-h", 2 * GB, dynamic=True, minimum=1 * GB, maximum=16 * GB, demand=8 * GB, weight=20),
    ]
    (rec, fld, msg), = findings(fleet_of(vms, hosts))["DM304"]
    # x = 102.4 fills d-a to 8192; d-b then gets 14208 - 8192 = 6016 of its 8192: 2176 below demand
    assert "demand cannot be met" in msg and "need 16512 MB" in msg and "(below demand: d-b 2176 MB)" in msg


def test_waterfill_exact_and_whole_mb():
    assert waterfill(10, [("a", 1, 0, 100), ("b", 1, 0, 100), ("c", 1, 0, 100)]) == {"a": 4, "b": 3, "c": 3}
    assert waterfill(1000, [("a", 50, 0, 10), ("b", 0, 5, 20)]) == {"a": 10, "b": 20}  # all fit
    got = waterfill(30, [("a", 0, 5, 50), ("b", 10, 5, 50)])
    assert sum(got.values()) == 30 and got["a"] == 5  # weight 0 gets only its floor while others want more


def test_dm305_single_host_cluster_and_shortfall():
    hosts = [host("n-solo", 64 * GB, reserve=4 * GB, cluster="n-c1")]
    f = by_rule(fleet_of([vm("n-x", "n-solo", 8 * GB, clustered=True)], hosts))
    (name, fld, msg), = f["DM305"]
    assert name == "n-solo" and "it is the only host of cluster n-c1" in msg and "1 of its 1 clustered VMs cannot restart" in msg
    # three 20 GB hosts (usable 18432 each): h1 runs four clustered 6 GB VMs, the others are full at 12 GB each
    hosts = [host(f"n-h{i}", 20 * GB, reserve=2 * GB, cluster="n-c2") for i in (1, 2, 3)]
    vms = [vm(f"n-v{i}", "n-h1", 4 * GB, clustered=True) for i in range(4)]
    vms += [vm("n-f2", "n-h2", 12 * GB), vm("n-f3", "n-h3", 12 * GB)]
    fl = fleet_of(vms, hosts, overhead=0)
    # headroom of h2 and h3: 18432 - 12288 = 6144 each: one 4 GB VM each, 2 of 4 fail; 16384 > 12288: 4096 short
    assert [(v.name, mb) for v, mb in fl.by_name["n-h1"].nplus1.failed] == [("n-v2", 4096), ("n-v3", 4096)]
    assert fl.by_name["n-h1"].nplus1.certain
    (rec, fld, msg), = [x for x in findings(fl)["DM305"] if x[0].name == "n-h1"]
    assert "2 of its 4 clustered VMs cannot restart" in msg and "n-v2, n-v3" in msg
    assert "need 16384 MB at startup plus overhead, the other hosts have 12288 MB of headroom: 4096 MB short" in msg
    assert fl.by_name["n-h2"].nplus1 is None  # no clustered VMs there: nothing to restart


def test_dm305_failed_hosts_own_headroom_is_not_a_place_to_restart():
    """The S1 shortcut must leave the failed host's own headroom out: counting it (a mutant that
    survived every other test) clears this host and misses the DM305."""
    hosts = [host("x-a", 120 * GB, reserve=0, cluster="x-c"), host("x-b", 12 * GB, reserve=0, cluster="x-c"),
             host("x-c", 5 * GB, reserve=0, cluster="x-c")]
    vms = [vm("x-v1", "x-a", 10 * GB, clustered=True), vm("x-v2", "x-a", 10 * GB, clustered=True)]
    fl = fleet_of(vms, hosts, overhead=0)
    # headroom: x-a 100 GB (its own), x-b 12 GB, x-c 5 GB; S1 over the survivors: 20 - 10 > (12 - 10): fails.
    # First-fit: x-v1 on x-b (2 GB left), x-v2 fits nowhere.
    fo = fl.by_name["x-a"].nplus1
    assert fo.decided_by == "first-fit" and fo.placed == ["x-b", None]
    assert [(v.name, mb) for v, mb in fo.failed] == [("x-v2", 10 * GB)] and fo.certain
    (name, fld, msg), = by_rule(fl)["DM305"]
    assert name == "x-a" and "1 of its 2 clustered VMs cannot restart" in msg and ": x-v2;" in msg
    assert "the clustered VMs need 20480 MB at startup plus overhead, the other hosts have 17408 MB of headroom: 3072 MB short" in msg


def test_vms_outside_the_pass():
    hosts = [host("o-h", 8 * GB, reserve=1 * GB), host("o-nomem", 0)]
    vms = [
        vm("o-nohost", None, 64 * GB),  # no host: not in the fleet pass
        vm("o-nostartup", "o-h", None),  # no startup: skipped
        vm("o-nomem-vm", "o-nomem", 64 * GB),  # host without memory (DM002): skipped, not DM306
    ]
    fl = fleet_of(vms, hosts)
    assert all(not items for items in findings(fl).values())
    assert [h.name for h in fl.hosts] == ["o-h"] and fl.by_name["o-h"].vms == []
