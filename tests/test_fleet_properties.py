"""Property tests of the fleet pass (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from fleet_helpers import findings, fleet_of, host, vm

from dmlint.fleet import first_fit, floors, s1_holds
from dmlint.fleet.nplus1 import Headroom

SETTINGS = settings(max_examples=100, deadline=None, derandomize=True)
MB = st.integers(min_value=1, max_value=64).map(lambda k: k * 256)


@st.composite
def vms_on(draw, host_names, prefix="v", min_size=0, max_size=12):
    n = draw(st.integers(min_size, max_size))
    out = []
    for i in range(n):
        startup = draw(MB)
        dynamic = draw(st.booleans())
        out.append(vm(
            f"{prefix}{i}",
            draw(st.sampled_from(host_names)),
            startup,
            dynamic=dynamic,
            minimum=draw(st.one_of(st.none(), MB)),
            maximum=draw(st.one_of(st.none(), MB)),
            demand=draw(st.one_of(st.none(), MB)),
            buffer=draw(st.integers(5, 200)),
            weight=draw(st.integers(0, 100)),
            state=draw(st.sampled_from(["running", "running", "running", "paused", "off", "saved"])),
            clustered=draw(st.booleans()),
        ))
    return out


@st.composite
def hosts_st(draw, max_hosts=5):
    n = draw(st.integers(1, max_hosts))
    out = []
    for i in range(n):
        memory = draw(st.integers(4, 96)) * 1024
        reserve = draw(st.one_of(st.none(), st.integers(1, 8).map(lambda g: g * 512)))
        cluster = draw(st.sampled_from([None, "pc1", "pc2"]))
        out.append(host(f"ph{i}", memory, reserve, cluster))
    return out


def keys(fleet, rules=("DM301", "DM302")):
    return {(rule, rec.name) for rule in rules for rec, _, _ in findings(fleet)[rule]}


def certain(fleet):
    return {rec.name for rec, _, msg in findings(fleet)["DM302"] if "(certain)" in msg}


@SETTINGS
@given(st.data())
def test_adding_a_running_vm_never_removes_a_dm301_dm302_finding(data):
    hosts = data.draw(hosts_st())
    names = [h.name for h in hosts]
    vms = data.draw(vms_on(names))
    target = data.draw(st.sampled_from(names))
    extra = vm("zz-new", target, data.draw(MB), dynamic=data.draw(st.booleans()), minimum=data.draw(st.one_of(st.none(), MB)),
               demand=data.draw(st.one_of(st.none(), MB)), state=data.draw(st.sampled_from(["running", "paused"])))
    before = fleet_of(vms, hosts)
    after = fleet_of(vms + [extra], hosts)
    on_target = {n for n in [target] + [v.name for v in vms if v.host == target]}
    lost = {k for k in keys(before) - keys(after) if k[1] in on_target}
    assert not lost, f"adding a running VM to {target} removed {lost}"
    assert {n for n in certain(before) if n in on_target} <= certain(after)


@SETTINGS
@given(st.data())
def test_adding_host_memory_never_adds_a_dm301_dm302_finding(data):
    hosts = data.draw(hosts_st())
    names = [h.name for h in hosts]
    vms = data.draw(vms_on(names))
    before = fleet_of(vms, hosts)
    grown = data.draw(st.sampled_from(hosts))
    grown.memory += data.draw(st.integers(1, 64 * 1024))
    after = fleet_of(vms, hosts)
    added = keys(after) - keys(before)
    assert not added, f"more memory on {grown.name} added {added}"
    assert certain(after) <= certain(before)


@SETTINGS
@given(
    st.lists(st.integers(1, 20000), min_size=1, max_size=30),
    st.lists(st.integers(-5000, 60000), min_size=1, max_size=12),
    st.randoms(use_true_random=False),
)
def test_where_s1_passes_any_first_fit_places_every_vm(sizes, caps, rnd):
    if not s1_holds(sizes, caps):
        return
    for order in (sorted(sizes, reverse=True), sorted(sizes), rnd.sample(sizes, len(sizes))):
        shuffled_caps = rnd.sample(caps, len(caps))
        placed, rest = first_fit(order, shuffled_caps)
        assert all(p >= 0 for p in placed)
        assert all(r >= 0 or r == c for r, c in zip(rest, shuffled_caps))


@SETTINGS
@given(st.lists(st.integers(1, 20000), min_size=1, max_size=30), st.lists(st.integers(0, 60000), min_size=1, max_size=12))
def test_first_fit_never_overfills_a_host(sizes, caps):
    placed, rest = first_fit(sorted(sizes, reverse=True), caps)
    for j, cap in enumerate(caps):
        used = sum(s for s, p in zip(sorted(sizes, reverse=True), placed) if p == j)
        assert used <= cap and rest[j] == cap - used
    # an unplaced item fits on no host at the end
    for s, p in zip(sorted(sizes, reverse=True), placed):
        if p < 0:
            assert all(r < s for r in rest)


def _snapshot(fleet):
    return (
        [(rule, rec.name, fld, msg) for rule in sorted(findings(fleet)) for rec, fld, msg in findings(fleet)[rule]],
        [h.as_dict() for h in fleet.hosts],
    )


@SETTINGS
@given(st.data())
def test_results_do_not_depend_on_input_order(data):
    hosts = data.draw(hosts_st())
    names = [h.name for h in hosts] + ["nowhere"]
    vms = data.draw(vms_on(names, max_size=16))
    reference = _snapshot(fleet_of(vms, hosts))
    rnd = data.draw(st.randoms(use_true_random=False))
    for _ in range(3):
        assert _snapshot(fleet_of(rnd.sample(vms, len(vms)), rnd.sample(hosts, len(hosts)))) == reference


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.lists(st.integers(-20000, 60000), min_size=1, max_size=10), st.lists(st.integers(1, 12000), min_size=1, max_size=6), st.data())
def test_cluster_s1_fast_path_equals_the_reference(caps, sizes, data):
    """The O(log N) S1 used per failed host (sorted headroom, suffix sums, the failed host taken
    out) against the readable s1_holds over the survivors' list."""
    i = data.draw(st.integers(0, len(caps) - 1))
    room = Headroom(caps)
    assert room.s1_without(i, max(sizes), sum(sizes)) == s1_holds(sizes, caps[:i] + caps[i + 1:])


@SETTINGS
@given(st.data())
def test_host_sums_equal_the_per_vm_floors(data):
    """The host sums against floors() VM by VM (the sums call floors(); this pins that they add them right)."""
    hosts = [host("fs-h", 64 * 1024, 2048)]
    vms = data.draw(vms_on(["fs-h"], max_size=20))
    h = fleet_of(vms, hosts, overhead=64).by_name["fs-h"]
    run = [v for v in vms if v.state in ("running", "paused")]
    o = 64 * len(run)
    assert h.sum_hard == sum(floors(v)[0] for v in run) + o
    assert h.sum_soft == sum(floors(v)[1] for v in run) + o
    assert h.sum_target == sum(floors(v)[2] for v in run) + o
    assert h.sum_startup == sum(v.startup for v in run) + o
    assert h.max_delta_hard == max([0] + [v.startup - floors(v)[0] for v in run])
    assert h.max_delta_soft == max([0] + [v.startup - floors(v)[1] for v in run])  # startup may be below demand
