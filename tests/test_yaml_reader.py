"""The YAML reader: records with positions, DM001-DM003, hostile input."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dmlint.model import ParseResult
from dmlint.readers import yaml_reader
from dmlint.readers.yaml_reader import read

GOOD = b"""\
vms:
  - name: sql-01
    generation: 1
    hyperv_version: 2012R2
    guest_os: win2k12r2
    host: hv-07
    state: paused
    clustered: true
    memory:
      dynamic: true
      startup: 4GB
      minimum: 1GB
      maximum: 16GB
      buffer: 25%
      weight: 80
      demand: 3GB
hosts:
  - name: hv-07
    memory: 256GB
    cluster: prod-a
    hyperv_version: "2019"
    reserve: 8GB
"""


def _msgs(result: ParseResult, rule: str):
    return [p.message for p in result.problems if p.rule == rule]


def test_reads_every_field_in_mb_with_positions():
    result = read(GOOD, "good.yaml")
    assert result.ours and not result.problems
    (vm,) = result.vms
    assert (vm.name, vm.generation, vm.hyperv_version, vm.guest_os, vm.host) == ("sql-01", 1, "2012r2", "win2k12r2", "hv-07")
    assert (vm.state, vm.clustered, vm.dynamic) == ("paused", True, True)
    assert (vm.startup, vm.minimum, vm.maximum, vm.buffer, vm.weight, vm.demand) == (4096, 1024, 16384, 25, 80, 3072)
    assert (vm.loc("startup").line, vm.loc("startup").column) == (11, 16)
    assert vm.loc("minimum").line == 12
    assert vm.source.line == 2
    (host,) = result.hosts
    assert (host.name, host.memory, host.cluster, host.hyperv_version, host.reserve) == ("hv-07", 262144, "prod-a", "2019", 8192)
    assert host.loc("memory").line == 19


def test_defaults_for_missing_values():
    (vm,) = read(b"vm:\n  name: a\n  memory:\n    startup: 1024\n", "a.yaml").vms
    assert (vm.generation, vm.state, vm.clustered, vm.dynamic, vm.buffer, vm.weight) == (2, "running", False, False, 20, 50)
    assert vm.minimum is None and vm.maximum is None and vm.demand is None


def test_unrelated_yaml_is_skipped_silently():
    for text in (b"apiVersion: v1\nkind: Pod\n", b"- a\n- b\n", b"", b"just text\n", b"on: push\njobs: {}\n"):
        result = read(text, "other.yaml")
        assert not result.ours and not result.problems and not result.vms


def test_multi_document_stream_reads_our_documents_only():
    text = b"kind: Pod\n---\nvm:\n  name: b\n  memory:\n    startup: 2GB\n"
    result = read(text, "multi.yaml")
    assert result.ours and [v.name for v in result.vms] == ["b"]
    assert result.vms[0].loc("startup").line == 6


def test_syntax_error_is_dm001_with_line_and_column():
    result = read(b"vm:\n  name: a\n  memory: {startup: 2GB\n", "bad.yaml")
    (problem,) = result.problems
    assert problem.rule == "DM001" and problem.message.startswith("YAML syntax error")
    assert problem.location.line == 4


def test_broken_yaml_that_is_not_ours_is_skipped():
    result = read(b"{{ template }}: [\n", "chart.yaml")
    assert not result.ours and not result.problems


def test_invalid_utf8_is_dm001():
    result = read(b"vm:\n  name: \xff\xfe\xfa\n", "enc.yaml")
    assert _msgs(result, "DM001") and "not valid text" in _msgs(result, "DM001")[0]


def test_typo_is_dm002_at_the_key_with_suggestion():
    result = read(b"vm:\n  name: a\n  memory:\n    startup: 4GB\n    maxmimum: 16GB\n", "t.yaml")
    (p,) = result.problems
    assert p.rule == "DM002"
    assert p.message == "unknown key 'maxmimum' in vm.memory (did you mean 'maximum'?)"
    assert (p.location.line, p.location.column) == (5, 5)
    assert result.vms[0].startup == 4096  # the rest of the VM is still checked


def test_wrong_type_missing_required_and_duplicate_key_are_dm002():
    text = b"vm:\n  name: a\n  generation: 3\n  memory:\n    dynamic: yes-please\n  memory:\n    startup: [1]\n"
    msgs = _msgs(read(text, "t.yaml"), "DM002")
    assert any("duplicate key 'memory'" in m for m in msgs)
    assert any("vm.generation: 3 is not one of 1, 2" in m for m in msgs), msgs
    assert any("vm.memory.startup: a list is not a number or text" in m for m in msgs), msgs
    missing = _msgs(read(b"vm:\n  memory:\n    dynamic: true\n", "m.yaml"), "DM002")
    assert any("lacks the required key: 'name'" in m for m in missing), missing
    assert any("lacks the required key: 'startup'" in m for m in missing), missing


def test_bad_units_are_dm003_naming_the_value():
    text = b"vm:\n  name: a\n  memory:\n    startup: -4GB\n    minimum: 512B\n    buffer: lots\n"
    result = read(text, "u.yaml")
    msgs = _msgs(result, "DM003")
    assert "startup: size '-4GB' is negative" in msgs
    assert any(m.startswith("minimum: size '512B' is implausible: less than 1 MB") for m in msgs)
    assert any(m.startswith("buffer: percentage 'lots'") for m in msgs)


def test_alias_bomb_is_refused_quickly():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 12):
        prev = f"*a{i-1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    text = ("vm:\n  name: bomb\n  memory: {startup: 1GB}\n" + "\n".join(lines) + "\n").encode()
    visits = []
    original = yaml_reader._Converter.convert

    def counting(self, node, path, depth):
        visits.append(1)
        return original(self, node, path, depth)

    yaml_reader._Converter.convert = counting
    try:
        result = read(text, "bomb.yaml")
    finally:
        yaml_reader._Converter.convert = original
    assert len(visits) <= yaml_reader.MAX_NODES + 1  # bounded work: stops at the limit, not at 10**12
    assert any("alias bomb" in m for m in _msgs(result, "DM001")), result.problems


def test_deep_nesting_is_refused_quickly():
    for depth in (70, 500, 5000, 100_000):
        text = b"vm:\n  name: deep\n  notes: " + b"[" * depth + b"]" * depth + b"\n"
        start = time.perf_counter()
        result = read(text, "deep.yaml")
        assert time.perf_counter() - start < 1.0
        assert _msgs(result, "DM001"), (depth, result.problems)


def test_merge_keys_and_anchors_are_understood():
    text = b"base: &std {dynamic: true, startup: 2GB, minimum: 1GB, maximum: 4GB}\nvms:\n  - name: a\n    memory:\n      <<: *std\n      startup: 3GB\n"
    result = read(text, "m.yaml")
    # `base` is not one of our keys: DM002; the VM still takes the merged values
    assert _msgs(result, "DM002") == ["unknown key 'base' in document (allowed: hosts, vm, vms)"]
    (vm,) = result.vms
    assert (vm.dynamic, vm.startup, vm.minimum, vm.maximum) == (True, 3072, 1024, 4096)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_any_bytes_give_a_result_never_an_exception(data):
    result = read(b"vm:\n" + data, "fuzz.yaml")
    assert isinstance(result, ParseResult)
    for p in result.problems:
        assert p.rule in ("DM001", "DM002", "DM003") and p.message


_values = st.one_of(
    st.integers(-10**12, 10**12), st.text(max_size=12), st.booleans(), st.none(), st.floats(allow_nan=True),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["startup", "minimum", "maximum", "buffer", "weight", "demand", "dynamic", "maxmimum"]), _values, max_size=7),
       st.dictionaries(st.sampled_from(["name", "generation", "state", "clustered", "guest_os", "host", "hyperv_version"]), _values, max_size=7))
def test_any_structured_document_gives_findings_only(memory, top):
    import yaml

    doc = {"vm": dict(top, memory=memory)}
    text = yaml.safe_dump(doc).encode()
    result = read(text, "s.yaml")
    assert result.ours
    for p in result.problems:
        assert p.rule in ("DM001", "DM002", "DM003") and p.location.path == "s.yaml"


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.sampled_from(["startup", "minimum", "maximum", "buffer", "weight", "demand", "dynamic", "maxmimum"]), _values, max_size=7),
       st.dictionaries(st.sampled_from(["name", "generation", "state", "clustered", "guest_os", "host", "hyperv_version", "memory"]), _values, max_size=7),
       st.sampled_from(["vm", "vms", "hosts", "other"]))
def test_fast_validator_agrees_with_jsonschema(memory, top, key):
    """The fast path (fastjsonschema) and the reporting path (jsonschema) judge alike."""
    from dmlint.readers.yaml_reader import _fast_check, _validator

    entry = dict(top)
    entry.setdefault("memory", memory)
    doc = {key: [entry] if key in ("vms", "hosts") else entry}
    assert _fast_check()(doc) == _validator().is_valid(doc), doc


def test_yaml_11_booleans_are_text_where_text_is_meant():
    text = b"vm:\n  name: yes\n  state: off\n  host: no\n  memory:\n    startup: 1GB\nhosts:\n  - name: no\n    memory: 64GB\n    cluster: on\n"
    result = read(text, "b.yaml")
    assert not result.problems
    (vm,) = result.vms
    assert (vm.name, vm.state, vm.host) == ("yes", "off", "no")
    assert (result.hosts[0].name, result.hosts[0].cluster) == ("no", "on")
