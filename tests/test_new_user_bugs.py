"""Issue 9, "bugs to fix first": what a new user hits on a small infrastructure repository.
Each test failed before its fix."""

from __future__ import annotations

import re

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from dmlint.readers.yaml_reader import read

from conftest import check_json, run_cli

VM = "name: a\n  memory:\n    startup: 1GB\n"


# ---- bug 3: a typo in a top-level key ----------------------------------------------------


def test_top_level_key_typos_are_dm002_with_did_you_mean(write):
    cases = {
        "vmss.yaml": ("vmss:\n  - name: a\n    memory: {startup: 1GB}\n", "'vmss' (did you mean 'vms'?)"),
        "upper.yaml": ("VM:\n  " + VM, "'VM' (did you mean 'vm'?)"),
        "title.yaml": ("Vms:\n  - name: a\n    memory: {startup: 1GB}\n", "'Vms' (did you mean 'vms'?)"),
        "host.yaml": ("host:\n  - name: hv-01\n    memory: 256GB\n", "'host' (did you mean 'hosts'?)"),
    }
    for name, (text, expected) in cases.items():
        path = write(name, text)
        code, findings = check_json(path)
        assert code == 1, name
        assert [(f["rule"], f["line"], f["column"]) for f in findings] == [("DM002", 1, 1)], findings
        assert f"unknown top-level key {expected}" in findings[0]["message"]


def test_top_level_typo_beside_a_valid_key_suggests_ignoring_case(write):
    path = write("both.yaml", "vm:\n  " + VM + "HOSTS:\n  - name: hv\n    memory: 64GB\n")
    _, findings = check_json(path)
    assert [f["message"] for f in findings] == ["unknown key 'HOSTS' in document (did you mean 'hosts'?)"]


def test_unrelated_yaml_with_similar_keys_stays_skipped(write):
    # record-shaped content is what makes a near-miss a typo; `posts:` of a blog or `vm` settings are not
    path = write("blog.yaml", "posts:\n  - title: hello\nvmx:\n  cpus: 2\n")
    result = run_cli("check", path.parent)
    assert result.exit_code == 0 and "All checks passed (0 files)." in result.output


def test_explicit_file_that_is_not_dmlint_input_is_said_so(write):
    path = write("values.yaml", "replicaCount: 2\nimage: nginx\n")
    result = run_cli("check", path)
    assert result.exit_code == 0
    assert f"note: {path.as_posix()}: not dmlint input" in result.stderr
    # walked directories stay quiet: infrastructure repositories are full of other YAML
    assert "note:" not in run_cli("check", path.parent).stderr


# ---- bug 4: Ansible inventories, and no Python reprs -------------------------------------


ANSIBLE = [
    "hosts:\n  web1.example.com:\n    ansible_host: 10.0.0.1\n  web2.example.com:\n",
    "all:\n  hosts:\n    web1.example.com:\n  children:\n    db:\n      hosts:\n        db1:\n",
    "hosts: [db1.example.com:5432, db2.example.com:5432]\n",
    "- hosts: webservers\n  tasks:\n    - name: ping\n      ping:\n",
]


def test_ansible_inventories_and_plays_are_not_dmlint_input(write):
    for i, text in enumerate(ANSIBLE):
        result = read(text.encode(), "inventory.yaml")
        assert (result.ours, result.problems) == (False, []), text
        path = write(f"inv{i}.yaml", text)
        code, findings = check_json(path.parent)
        assert (code, findings) == (0, []), text


def test_dmlint_hosts_are_recognised_by_shape():
    assert read(b"hosts:\n  - name: hv-01\n    memory: 256GB\n", "h.yaml").hosts[0].memory == 262144
    assert read(b"hosts: []\n", "h.yaml").ours
    # a host written as a mapping instead of a list item is dmlint's, and said wrong in YAML terms
    result = read(b"hosts:\n  name: hv-01\n  memory: 256GB\n", "h.yaml")
    assert result.ours and [p.message for p in result.problems] == ["hosts: a mapping is not a list"]


REPR = re.compile(r"\{'|\['|: \[\d|\{\d|\bNone\b|\bTrue\b|\bFalse\b")
_values = st.one_of(
    st.integers(-10, 10**6), st.sampled_from(["4GB", "x", ""]), st.booleans(), st.none(),
    st.lists(st.integers(0, 9), max_size=3), st.dictionaries(st.sampled_from(["a", "b"]), st.integers(0, 9), max_size=2),
)


@settings(derandomize=True, max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["startup", "minimum", "buffer", "weight", "dynamic", "sizee"]), _values, max_size=5),
       st.dictionaries(st.sampled_from(["name", "generation", "state", "clustered", "host", "hyperv_version"]), _values, max_size=5),
       st.sampled_from(["vm", "vms", "hosts"]))
def test_no_message_carries_a_python_repr(memory, top, key):
    entry = dict(top, memory=memory) if key != "hosts" else dict(top, memory=memory.get("startup", "4GB"))
    doc = {key: [entry] if key != "vm" else entry}
    result = read(yaml.safe_dump(doc).encode(), "r.yaml")
    for p in result.problems:
        assert not REPR.search(p.message), (p.message, doc)


def test_wrong_types_are_named_in_yaml_terms(write):
    path = write("t.yaml", "vm:\n  name: a\n  clustered: null\n  memory:\n    startup: [1]\n    buffer: {a: 1}\n")
    _, findings = check_json(path)
    assert sorted(f["message"] for f in findings) == [
        "vm.clustered: null is not true or false",
        "vm.memory.buffer: a mapping is not a number or text",
        "vm.memory.startup: a list is not a number or text",
    ]


# ---- bug 7: DM002 in a VM entry names the VM ---------------------------------------------


def test_dm002_in_a_vm_entry_carries_the_vm_name(write):
    path = write("v.yaml", "vms:\n  - name: a\n    memory: {startup: 1GB}\n  - name: sql-01\n    memroy: {startup: 1GB}\n")
    _, findings = check_json(path)
    assert {(f["vm"], f["message"]) for f in findings} == {
        ("sql-01", "unknown key 'memroy' in vms[1] (did you mean 'memory'?)"),
        ("sql-01", "vms[1] lacks the required key: 'memory'"),
    }


# ---- bug 5: byte counts at the boundary, host memory sanity -------------------------------


def test_byte_counts_get_the_byte_count_hint(write):
    for raw, mb in ((4294967296, 4096), (2147483648, 2048), ("1073741824", 1024), ("536870912MB", 512)):
        path = write("b.yaml", f"vm:\n  name: b\n  memory:\n    startup: {raw}\n")
        _, findings = check_json(path)
        assert [f["rule"] for f in findings] == ["DM003"], (raw, findings)
        assert findings[0]["message"].endswith(f"; if it is a byte count, that is {mb} MB"), findings[0]["message"]
        assert findings[0]["line"] == 4 and findings[0]["vm"] == "b"


def test_byte_count_maximum_is_one_finding_not_a_cascade(write):
    path = write("m.yaml", "vm:\n  name: m\n  guest_os: win2k19\n  memory:\n    dynamic: true\n    startup: 4GB\n    minimum: 1GB\n    maximum: 8589934592\n")
    _, findings = check_json(path)
    assert [(f["rule"], f["line"]) for f in findings] == [("DM003", 8)], findings
    assert "that is 8192 MB" in findings[0]["message"]


def test_sizes_written_with_a_large_unit_stay_dm104(write):
    path = write("l.yaml", "vm:\n  name: l\n  memory:\n    startup: 250TB\n")
    _, findings = check_json(path)
    assert [f["rule"] for f in findings] == ["DM104"]


HOST_64 = """\
hosts:
  - name: hv-01
    memory: 64
vms:
  - name: web-01
    host: hv-01
    memory: {startup: 4GB}
  - name: web-02
    host: hv-01
    memory: {startup: 8GB}
"""


def test_host_memory_in_mb_by_mistake_is_one_dm003(write):
    path = write("h.yaml", HOST_64)
    code, findings = check_json(path)
    assert code == 1
    assert [(f["rule"], f["line"], f["column"]) for f in findings] == [("DM003", 3, 13)], findings
    message = findings[0]["message"]
    assert message.startswith("host memory 64 MB is implausible for a Hyper-V host (it needs at least 4096 MB); did you mean 64GB?")
    assert "usable" not in message


def test_host_memory_hint_follows_what_was_written(write):
    def message(memory):
        _, findings = check_json(write("h.yaml", f"hosts:\n  - name: hv\n    memory: {memory}\n"))
        (f,) = findings
        return f["message"]

    assert "did you mean 2TB?" in message("2")
    assert "did you mean 128GB?" in message("128MB")
    assert "2GB (2048 MB) is implausible" in message("2GB") and "did you mean" not in message("2GB")
    assert check_json(write("ok.yaml", "hosts:\n  - name: hv\n    memory: 4GB\n")) == (0, [])


def test_host_floor_is_data_with_its_source():
    from dmlint.engine import builtin_rules_dir
    from dmlint.plausible import host_minimum_mb

    data = yaml.safe_load((builtin_rules_dir() / "data" / "hyperv_host.yaml").read_text())
    fact = data["host_minimum_memory_mb"]
    assert host_minimum_mb() == fact["value"] == 4096
    assert fact["source"].startswith("https://learn.microsoft.com/") and "system-requirements" in fact["source"]


# ---- bug 7: the small ones ---------------------------------------------------------------


def test_explain_prints_the_source_once():
    for rule in ("DM102", "DM001", "DM306"):
        text = run_cli("explain", rule).output
        from dmlint.engine import Registry

        source = Registry.load().get(rule).source
        assert text.count(source) == 1, (rule, text)
        assert text.count("\nSource") == 1


def test_fleet_summary_counts_fleet_findings_only(write, tmp_path):
    path = write("f.yaml", "hosts:\n  - name: hv\n    memory: 64GB\nvm:\n  name: a\n  host: hv\n  memory:\n    startup: 4 gigs\n")
    html = tmp_path / "f.html"
    result = run_cli("fleet", "--html", html, path)
    assert "DM003" in result.stdout  # the input finding is still listed
    assert result.stdout.rstrip().splitlines()[-1] == "1 hosts, 0 fleet findings (0 errors); 1 input finding."
    assert "DM003" not in html.read_text()


def test_config_errors_name_the_file_and_say_did_you_mean(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.dmlint]\nselct = ["DM1"]\nfail-on = "eror"\nhyperv-version = 2019\n')
    result = run_cli("check", ".")
    assert result.exit_code == 2
    lines = [line.removeprefix("Error: ") for line in result.stderr.strip().splitlines()]
    cfg = str(tmp_path / "pyproject.toml")
    assert sorted(lines) == [
        f"{cfg}: fail-on: 'eror' is not one of error, warning, info (did you mean 'error'?)",
        f"{cfg}: hyperv-version: 2019 is not one of 2012, 2012r2, 2016, 2019, 2022, 2025 (write it as text: \"2019\")",
        f"{cfg}: unknown option 'selct' (did you mean 'select'?)",
    ]
    assert "Additional properties" not in result.stderr and "was unexpected" not in result.stderr


def test_bad_selector_in_the_config_is_blamed_on_the_config(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.dmlint]\nselect = ["DM9"]\n')
    (tmp_path / "a.yaml").write_text("vm:\n  " + VM)
    result = run_cli("check", "a.yaml")
    assert result.exit_code == 2
    assert f"{tmp_path / 'pyproject.toml'}: select: 'DM9' matches no rule" in result.stderr
    assert "--select" not in result.stderr
    typo = run_cli("check", "--select", "minimun-above-startup", "a.yaml")
    assert typo.exit_code == 2 and "--select/--ignore: 'minimun-above-startup' matches no rule (did you mean 'minimum-above-startup'?)" in typo.stderr


def test_messages_echo_what_the_user_wrote_then_mb(write):
    path = write("e.yaml", "vm:\n  name: e\n  memory:\n    dynamic: true\n    startup: 4GB\n    minimum: 8GB\n    maximum: 16384\n")
    _, findings = check_json(path)
    assert [f["message"] for f in findings if f["rule"] == "DM102"] == ["minimum 8GB (8192 MB) is above startup 4GB (4096 MB)"]
    bare = write("b.yaml", "vm:\n  name: b\n  memory:\n    dynamic: true\n    startup: 4096\n    minimum: 8192MB\n")
    _, findings = check_json(bare)
    assert [f["message"] for f in findings if f["rule"] == "DM102"] == ["minimum 8192 MB is above startup 4096 MB"]


def test_records_without_user_text_keep_mb_only():
    from dmlint.model import VM, Location

    vm = VM(name="x", source=Location("x.vmcx"), fmt="vmcx", startup=8192)
    assert vm.size("startup") == "8192 MB"
    vm.written["startup"] = "8 GiB"
    assert vm.size("startup") == "8 GiB (8192 MB)"


def test_show_gives_the_hyperv_version_the_rules_use(write, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".dmlint.yaml").write_text('hyperv-version: "2019"\n')
    write("s.yaml", "vms:\n  - " + VM.replace("\n  ", "\n    ") + "  - name: own\n    hyperv_version: '2022'\n    memory: {startup: 1GB}\n")
    rows = {r["name"]: r["hyperv_version"] for r in __import__("json").loads(run_cli("show", "--format", "json", "s.yaml").stdout)["vms"]}
    assert rows == {"a": "2019", "own": "2022"}
