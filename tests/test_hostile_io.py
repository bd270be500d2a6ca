"""Issue 12, I/O and output holes: what a pull request can put in file names, VM names, special
files and plugins must not fool, hang or crash the CI that lints it.

Each test is the attack first (it failed before its fix). Runs that could hang go through a
subprocess with a timeout (`run_dmlint`), so a regression fails instead of stalling the suite;
it also reports the child's peak RSS and CPU time, and every such case asserts the 256 MB bound
(the strict <= 1 s figure is measured in tests/benchmarks/bench_hostile_io.py, not here).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import etree

from conftest import run_cli

MAX_RSS_MB = 256  # issue 12: every hostile case stays within 256 MB
HANG_TIMEOUT_S = 60  # a hang guard, far above the ~0.3 s a case takes: not a timing assertion

# one name carrying every way to reach a CI log or a terminal: a newline then a workflow command,
# a legacy `##[` command (the runner matches it anywhere in a line), an ANSI escape, a C1 CSI,
# a Unicode line separator, a right-to-left override
HOSTILE = "x\n::error file=x::pwned \x1b[31mred ##[error]legacy \u2028sep \x9bC1 \u202eRTL\r\n::warning::two"
DM102_VM = {"name": HOSTILE, "memory": {"dynamic": True, "startup": 1024, "minimum": 2048, "maximum": 4096}}


RSS_WRAPPER = Path(__file__).with_name("rss_wrapper.py")


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    rss_mb: float
    cpu_s: float


def run_dmlint(*args, cwd=None, timeout=HANG_TIMEOUT_S, prefix=(), stdin=subprocess.DEVNULL, env=None) -> Run:
    """`python -m dmlint ARGS` in a child process; its own peak RSS and CPU time from wait4."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, tempfile.TemporaryDirectory() as rss_dir:
        rss_file = os.path.join(rss_dir, "rss")
        proc = subprocess.Popen([*prefix, sys.executable, str(RSS_WRAPPER), rss_file, *map(os.fsdecode, args)], cwd=cwd,
                                stdout=out, stderr=err, stdin=stdin, env=env or os.environ)
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        try:  # the child's own peak (VmHWM); ru_maxrss would count this pytest process's pages
            with open(rss_file, encoding="ascii") as fh:
                rss_mb = float(fh.read())
        except (OSError, ValueError):
            rss_mb = usage.ru_maxrss / 1024
        run = Run(code, out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"),
                  rss_mb, usage.ru_utime + usage.ru_stime)
    if code == -9:
        pytest.fail(f"dmlint {' '.join(map(os.fsdecode, args))} hung (killed after {timeout} s)")
    assert run.rss_mb <= MAX_RSS_MB, f"peak RSS {run.rss_mb:.0f} MB"
    assert "Traceback" not in run.stderr, run.stderr
    return run


def _vm_file(tmp_path, vm=DM102_VM, name="vm.yaml") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"vm": vm}), encoding="utf-8")
    return path


def _assert_no_injection(text: str, *, github: bool = False) -> None:
    """No line a CI runner reads as a workflow command, no raw control or separator character."""
    for line in text.splitlines():
        stripped = line.lstrip()
        if github:
            assert re.match(r"::(error|warning|notice) file=[^:]*::", line), line
        else:
            assert not stripped.startswith("::"), line
    assert "##[" not in text
    bad = [c for c in text if (not c.isprintable() and c not in "\n") or c in "\u2028\u2029\x85"]
    assert not bad, bad


# --- hole 3: workflow-command injection and terminal escapes ------------------------------------


def test_text_output_escapes_a_hostile_vm_name(tmp_path):
    path = _vm_file(tmp_path)
    result = run_cli("check", "--no-color", path)
    assert result.exit_code == 1
    _assert_no_injection(result.output)
    assert "DM102" in result.output and "x\\n::error file=x::pwned \\x1b[31mred ##\\[error]legacy \\u2028sep" in result.output


@pytest.mark.parametrize("fmt", ["json", "sarif", "gitlab", "junit", "github"])
def test_machine_formats_escape_a_hostile_vm_name(tmp_path, fmt):
    path = _vm_file(tmp_path)
    result = run_cli("check", "--format", fmt, path)
    assert result.exit_code == 1
    _assert_no_injection(result.output, github=fmt == "github")
    if fmt == "json":
        assert [f["vm"] for f in json.loads(result.output)] == [HOSTILE]  # the value itself survives intact
    elif fmt == "sarif":
        assert json.loads(result.output)["runs"][0]["results"][0]["properties"]["vm"] == HOSTILE
    elif fmt == "gitlab":
        assert HOSTILE.replace("\r", "") in json.loads(result.output)[0]["description"].replace("\r", "")
    elif fmt == "junit":
        suite = etree.fromstring(result.output.encode())
        assert "##[error]legacy \u2028sep \x9bC1 \u202eRTL" in suite.find(".//testcase").get("name")  # exact in attributes
        assert "x\\n::error file=x::pwned \\x1b[31mred ##\\[error]" in suite.find(".//failure").text  # one line in text


def test_a_file_named_like_a_workflow_command_does_not_start_a_line(tmp_path, monkeypatch):
    name = "::error file=x::pwned.yaml"
    _vm_file(tmp_path, dict(DM102_VM, name="plain"), name=name)
    monkeypatch.chdir(tmp_path)
    result = run_cli("check", "--no-color", ".")
    assert result.exit_code == 1
    _assert_no_injection(result.output)
    assert f"./{name}:1:" in result.output


def _fleet_file(tmp_path) -> Path:
    doc = {
        "hosts": [{"name": HOSTILE, "memory": "4GB", "cluster": "::error::c\n::error::d"}],
        "vms": [{"name": "::error::vm", "host": HOSTILE, "memory": {"startup": "8GB"}}],
    }
    path = tmp_path / "fleet.yaml"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_fleet_table_escapes_host_and_cluster_names(tmp_path):
    result = run_cli("fleet", _fleet_file(tmp_path))
    assert result.exit_code == 1
    _assert_no_injection(result.output)
    assert "x\\n::error" in result.output


def test_fleet_html_escapes_markup_and_control_characters(tmp_path):
    html = tmp_path / "fleet.html"
    run_cli("fleet", "--html", html, _fleet_file(tmp_path))
    page = html.read_text(encoding="utf-8")
    _assert_no_injection(page)
    # the page's one script is its own table sorter (allowed by hash in its CSP); no name adds one
    assert page.count("<script") == 1 and "x\\n::error file=x::pwned \\x1b[31mred" in page


@pytest.mark.parametrize("fmt", ["table", "csv"])
def test_show_escapes_names(tmp_path, fmt):
    result = run_cli("show", "--format", fmt, _fleet_file(tmp_path))
    _assert_no_injection(result.stdout)
    assert "x\\n::error" in result.stdout


def test_show_json_keeps_the_exact_name(tmp_path):
    result = run_cli("show", "--format", "json", _fleet_file(tmp_path))
    assert json.loads(result.stdout)["hosts"][0]["name"] == HOSTILE
    assert "##[" not in result.stdout


HOSTILE_RULE = '''"""What it does
    \x1b]0;title\x07 a docstring with escapes
::error::in the doc
"""
ID = "ORG901"
NAME = "hostile-rule"
SEVERITY = "warning"
SUMMARY = "summary \\x1b[2J\\n::error::from the summary"
SOURCE = "https://example.invalid/rules"


def check(vm, ctx):
    yield None, "message \\x1b[2J\\n::error::from the message"
'''


def test_explain_and_rules_escape_a_plugin_rule(tmp_path):
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "org901.py").write_text(HOSTILE_RULE, encoding="utf-8")
    explained = run_cli("explain", "--rules", pack, "ORG901")
    assert explained.exit_code == 0
    _assert_no_injection(explained.output)
    assert "\\x1b[2J\\n::error::from the summary" in explained.output
    listed = run_cli("rules", "--rules", pack)
    _assert_no_injection(listed.output)
    checked = run_cli("check", "--no-color", "--rules", pack, _vm_file(tmp_path, dict(DM102_VM, name="plain")))
    _assert_no_injection(checked.output)


def test_a_config_error_naming_a_hostile_key_is_escaped(tmp_path):
    (tmp_path / "c.yaml").write_text(json.dumps({"per-file-ignores": {"a\n::error::pwned": 5}}), encoding="utf-8")
    result = run_cli("check", "--config", tmp_path / "c.yaml", _vm_file(tmp_path))
    assert result.exit_code == 2
    _assert_no_injection(result.output)
    assert "a\\n::error::pwned" in result.output


# --- hole 4: special files are never read --------------------------------------------------------

GOOD = {"name": "good", "memory": {"dynamic": True, "startup": 1024, "minimum": 2048, "maximum": 4096}}


def _json_findings(run: Run) -> list:
    assert run.code in (0, 1), run.stderr
    return json.loads(run.stdout)


def _tree_with(tmp_path, make_special) -> Path:
    """tmp/repo/{good.yaml, special.yaml}: the other file must still be checked."""
    repo = tmp_path / "repo"
    repo.mkdir()
    _vm_file(repo, GOOD, name="good.yaml")
    make_special(repo / "special.yaml")
    return repo


def _assert_special_is_dm001(findings, name="special.yaml", kind="a FIFO"):
    by_rule = {(f["rule"], Path(f["path"]).name) for f in findings}
    assert ("DM102", "good.yaml") in by_rule  # the other file is still checked
    (dm001,) = [f for f in findings if f["rule"] == "DM001"]
    assert Path(dm001["path"]).name == name
    assert dm001["message"] == f"not a regular file ({kind}): not read"


def test_fifo_found_in_a_walk_is_dm001_not_a_hang(tmp_path):
    repo = _tree_with(tmp_path, os.mkfifo)
    _assert_special_is_dm001(_json_findings(run_dmlint("check", "--format", "json", repo)))


def test_fifo_named_on_the_command_line_is_dm001(tmp_path):
    repo = _tree_with(tmp_path, os.mkfifo)
    run = run_dmlint("check", "--format", "json", repo / "special.yaml", repo / "good.yaml")
    _assert_special_is_dm001(_json_findings(run))


def test_symlink_to_dev_stdin_is_not_read(tmp_path):
    repo = _tree_with(tmp_path, lambda p: p.symlink_to("/dev/stdin"))
    # stdin is a pipe nobody writes to: reading it would block forever
    r, w = os.pipe()
    try:
        run = run_dmlint("check", "--format", "json", repo, stdin=r)
    finally:
        os.close(r)
        os.close(w)
    _assert_special_is_dm001(_json_findings(run))


def test_symlink_to_a_device_is_dm001(tmp_path):
    repo = _tree_with(tmp_path, lambda p: p.symlink_to("/dev/zero"))
    _assert_special_is_dm001(_json_findings(run_dmlint("check", "--format", "json", repo)), kind="a character device")


@pytest.mark.parametrize("option", ["--baseline", "--config"])
def test_baseline_or_config_fifo_is_exit_2(tmp_path, option):
    fifo = tmp_path / "special.json"
    os.mkfifo(fifo)
    run = run_dmlint("check", option, fifo, _vm_file(tmp_path, GOOD))
    assert run.code == 2
    assert f"{fifo}: not a regular file (a FIFO)" in run.stderr


@pytest.mark.parametrize("option", ["--baseline", "--config"])
def test_baseline_or_config_dev_zero_is_exit_2(tmp_path, option):
    run = run_dmlint("check", option, "/dev/zero", _vm_file(tmp_path, GOOD))
    assert run.code == 2
    assert "/dev/zero: not a regular file (a character device)" in run.stderr


@pytest.mark.parametrize("option,name", [("--baseline", "big.json"), ("--config", "big.yaml")])
def test_baseline_or_config_over_the_size_bound_is_exit_2_unread(tmp_path, option, name):
    from dmlint.readers import MAX_FILE_BYTES

    big = tmp_path / name
    with open(big, "wb") as fh:
        fh.truncate(MAX_FILE_BYTES + 1)  # sparse: costs no disk, and is never read
    run = run_dmlint("check", option, big, _vm_file(tmp_path, GOOD))
    assert run.code == 2
    assert f"{big}: file is larger than 64 MB" in run.stderr


@pytest.mark.parametrize("name", [".dmlint.yaml", "pyproject.toml"])
def test_a_fifo_config_in_the_cwd_is_exit_2(tmp_path, name):
    os.mkfifo(tmp_path / name)
    run = run_dmlint("check", _vm_file(tmp_path, GOOD), cwd=tmp_path)
    assert run.code == 2
    assert f"{name}: not a regular file (a FIFO)" in run.stderr


# --- hole 6: crashes: non-UTF-8 names, unreadable directories, broken config --------------------

RAW_NAME = b"caf\xe9-\xff.yaml"  # Latin-1 bytes: not UTF-8


def _raw_tree(tmp_path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / os.fsdecode(RAW_NAME)).write_text(json.dumps({"vm": DM102_VM | {"name": "raw"}}), encoding="utf-8")
    _vm_file(repo, GOOD, name="good.yaml")
    return repo


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "gitlab", "junit", "github"])
def test_non_utf8_file_name_in_every_format(tmp_path, fmt):
    repo = _raw_tree(tmp_path)
    run = run_dmlint("check", "--no-color", "--format", fmt, ".", cwd=repo)
    assert run.code == 1, run.stderr
    out = run.stdout
    if fmt in ("text", "github", "junit"):
        assert "caf\\xe9-\\xff.yaml" in out  # the bytes, escaped
    elif fmt == "sarif":
        uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in json.loads(out)["runs"][0]["results"]}
        assert uris == {"caf%E9-%FF.yaml", "good.yaml"}  # RFC 3986: the original bytes, percent-encoded
    else:
        paths = {f["path"] if fmt == "json" else f["location"]["path"] for f in json.loads(out)}
        assert paths == {os.fsdecode(RAW_NAME), "good.yaml"}  # surrogateescape: os.fsencode gives the bytes back
    assert "good" in out


def test_non_utf8_file_name_with_output_and_baseline(tmp_path):
    repo = _raw_tree(tmp_path)
    report = tmp_path / "report.sarif"
    run = run_dmlint("check", "--format", "sarif", "--output", report, ".", cwd=repo)
    assert run.code == 1 and "caf%E9" in report.read_text(encoding="utf-8")
    baseline = tmp_path / "baseline.json"
    baseline.write_text("previous content\n")
    run = run_dmlint("check", "--write-baseline", baseline, ".", cwd=repo)
    assert run.code == 0, run.stderr
    assert json.loads(baseline.read_text(encoding="utf-8"))["findings"][0]["path"] == os.fsdecode(RAW_NAME)
    run = run_dmlint("check", "--baseline", baseline, ".", cwd=repo)
    assert run.code == 0, run.stdout  # every finding, the non-UTF-8 file's too, matched the baseline


@pytest.mark.parametrize("option", ["--output", "--write-baseline"])
def test_a_failed_write_leaves_the_old_file_whole(tmp_path, monkeypatch, option):
    target = tmp_path / "out.json"
    target.write_text("the previous report\n")

    def fail(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    result = run_cli("check", option, target, _vm_file(tmp_path, GOOD))
    assert result.exit_code == 2 and "No space left on device" in result.output
    assert target.read_text() == "the previous report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json", "vm.yaml"]  # no temporary file left


def test_fleet_html_is_written_atomically(tmp_path, monkeypatch):
    target = tmp_path / "fleet.html"
    target.write_text("old page")
    monkeypatch.setattr(os, "replace", lambda src, dst: (_ for _ in ()).throw(OSError(5, "Input/output error")))
    result = run_cli("fleet", "--html", target, _fleet_file(tmp_path))
    assert result.exit_code == 2 and target.read_text() == "old page"


def _deny_scandir(monkeypatch, denied: Path):
    """Root ignores permission bits, so the in-process tests make os.scandir (which os.walk uses)
    fail for one directory as a chmod 000 would for a normal user."""
    real = os.scandir

    def scandir(path="."):
        if os.path.abspath(os.fspath(path)) == str(denied):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)


def test_unreadable_directory_in_a_walk_is_dm001(tmp_path, monkeypatch):
    repo = _tree_with(tmp_path, lambda p: None)
    (repo / "locked").mkdir()
    _vm_file(repo / "locked", GOOD, name="hidden.yaml")
    _deny_scandir(monkeypatch, repo / "locked")
    result = run_cli("check", "--format", "json", repo)
    findings = json.loads(result.output)
    assert {(f["rule"], Path(f["path"]).name) for f in findings} == {("DM102", "good.yaml"), ("DM001", "locked")}
    (dm001,) = [f for f in findings if f["rule"] == "DM001"]
    assert dm001["message"] == "cannot read directory: Permission denied: its files are not checked"


def _without_dac_override() -> list:
    """A command prefix under which chmod 000 means something. Root passes permission checks
    through CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH; util-linux's setpriv drops both from the
    bounding set, so the child, still root, is refused like any user."""
    if os.geteuid() != 0:
        return []
    import shutil

    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv (util-linux): permission bits cannot be tested for real")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--"]


def test_unreadable_directory_with_real_permissions(tmp_path):
    """The same with real permission bits (as root: without the capabilities that bypass them)."""
    prefix = _without_dac_override()
    base = tmp_path
    locked = base / "locked"
    try:
        _vm_file(base, GOOD, name="good.yaml")
        locked = base / "locked"
        locked.mkdir()
        _vm_file(locked, GOOD, name="hidden.yaml")
        locked.chmod(0)
        walked = run_dmlint("check", "--format", "json", base, prefix=prefix)
        assert {(f["rule"], Path(f["path"]).name) for f in _json_findings(walked)} == {("DM102", "good.yaml"), ("DM001", "locked")}
        named = run_dmlint("check", "--format", "json", locked / "hidden.yaml", base / "good.yaml", prefix=prefix)
        findings = _json_findings(named)
        assert {(f["rule"], Path(f["path"]).name) for f in findings} == {("DM102", "good.yaml"), ("DM001", "hidden.yaml")}
        assert "cannot read file: Permission denied" in [f["message"] for f in findings if f["rule"] == "DM001"]
    finally:
        locked.chmod(0o755)


def test_file_named_inside_an_unreadable_directory_does_not_crash_discover(tmp_path, monkeypatch):
    locked = tmp_path / "locked"
    locked.mkdir()
    target = locked / "vm.yaml"
    real_stat = os.stat

    def stat(path, *a, **kw):
        if os.fspath(path).startswith(str(locked) + os.sep):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_stat(path, *a, **kw)

    monkeypatch.setattr(os, "stat", stat)
    result = run_cli("check", "--format", "json", target, _vm_file(tmp_path, GOOD))
    findings = json.loads(result.output)
    assert {(f["rule"], Path(f["path"]).name, f["message"]) for f in findings if f["rule"] == "DM001"} == {
        ("DM001", "vm.yaml", "cannot read file: Permission denied")}
    assert "DM102" in {f["rule"] for f in findings}


@pytest.mark.parametrize("content,message", [
    (b"[tool.dmlint\nselect = 1\n", "pyproject.toml: Expected ']'"),
    ("[tool.dmlint]\nselect = ['DM1']\n".encode("utf-16"), "pyproject.toml: not UTF-8 text"),
    (b"a = " + b"[" * 100_000, "pyproject.toml: nested too deeply to parse"),
    (b"[tool]\ndmlint = 5\n", "pyproject.toml: [tool.dmlint] must be a table"),
])
def test_a_broken_pyproject_in_the_cwd_is_exit_2_naming_it(tmp_path, content, message):
    (tmp_path / "pyproject.toml").write_bytes(content)
    run = run_dmlint("check", _vm_file(tmp_path, GOOD), cwd=tmp_path)
    assert run.code == 2
    assert message in run.stderr


def test_jobs_in_a_repository_config_is_bounded_like_the_option(tmp_path):
    (tmp_path / ".dmlint.yaml").write_text("jobs: 120\n")
    run = run_dmlint("check", _vm_file(tmp_path, GOOD), cwd=tmp_path)
    assert run.code == 2
    assert ".dmlint.yaml: jobs: 120 is greater than the maximum of 64" in run.stderr


# --- hole 7: plugin containment ---------------------------------------------------------------

RULE_HEAD = '''"""What it does
    A test plugin rule.
"""
import sys

ID = "{id}"
NAME = "{name}"
SEVERITY = "warning"
SUMMARY = "a plugin rule under test"
SOURCE = "https://example.invalid/rules"
SCOPE = "{scope}"
'''


def _pack(tmp_path, body: str, rule_id="ORG950", name="plugin-under-test", scope="vm", top="") -> Path:
    pack = tmp_path / "pack"
    pack.mkdir(exist_ok=True)
    (pack / f"{rule_id.lower()}.py").write_text(RULE_HEAD.format(id=rule_id, name=name, scope=scope) + top + body, encoding="utf-8")
    return pack


def _internal_errors(findings, rule_id="ORG950") -> list[str]:
    return [f["message"] for f in findings if f["rule"] == rule_id and f["message"].startswith(f"internal error in rule {rule_id}")]


def test_a_rule_that_prints_does_not_corrupt_json_stdout(tmp_path):
    pack = _pack(tmp_path, "def check(vm, ctx):\n    print('noise from check')\n    yield None, 'checked'\n",
                 top="print('noise at import')\n")
    run = run_dmlint("check", "--format", "json", "--rules", pack, _vm_file(tmp_path, GOOD))
    findings = json.loads(run.stdout)  # valid JSON: the prints went elsewhere
    assert ("ORG950", "checked") in {(f["rule"], f["message"]) for f in findings}
    assert "noise at import" in run.stderr and "noise from check" in run.stderr


@pytest.mark.parametrize("raise_", ["sys.exit(0)", "raise SystemExit(3)", "raise GeneratorExit", "raise BaseException('odd')"])
def test_system_exit_in_check_is_a_finding_not_the_exit_code(tmp_path, raise_):
    pack = _pack(tmp_path, f"def check(vm, ctx):\n    {raise_}\n    yield None, 'never'\n")
    run = run_dmlint("check", "--format", "json", "--rules", pack, _vm_file(tmp_path, GOOD))
    assert run.code == 1
    findings = json.loads(run.stdout)
    (message,) = _internal_errors(findings)
    assert "ORG950" in message and ("SystemExit" in message or "Exit" in message or "BaseException" in message)
    assert "DM102" in {f["rule"] for f in findings}  # the built-in rules still ran


def test_system_exit_at_import_is_exit_2_naming_the_rule_file(tmp_path):
    pack = _pack(tmp_path, "def check(vm, ctx):\n    yield None, 'never'\n", top="sys.exit(0)\n")
    run = run_dmlint("check", "--format", "json", "--rules", pack, _vm_file(tmp_path, GOOD))
    assert run.code == 2  # not 0: a rule pack cannot make the run pass by exiting
    assert f"{pack / 'org950.py'}: failed to load: SystemExit" in run.stderr


@pytest.mark.parametrize("item", ["'just a string'", "('memory', 42)", "(['a'], 'message')", "('a', 'b', 'c')", "None"])
def test_a_finding_of_the_wrong_shape_is_a_finding_naming_the_rule(tmp_path, item):
    pack = _pack(tmp_path, f"def check(vm, ctx):\n    yield {item}\n")
    run = run_dmlint("check", "--format", "json", "--rules", pack, _vm_file(tmp_path, GOOD), _vm_file(tmp_path, dict(GOOD, name="two"), name="two.yaml"))
    findings = json.loads(run.stdout)
    messages = _internal_errors(findings)
    assert len(messages) == 2 and all("yielded" in m and "(field, message)" in m for m in messages), messages
    assert [f["rule"] for f in findings].count("DM102") == 2


def test_a_fleet_rule_of_the_wrong_shape_is_a_finding(tmp_path):
    pack = _pack(tmp_path, "def check(fleet, ctx):\n    yield None, None, 7\n", rule_id="ORG951", scope="fleet")
    run = run_dmlint("check", "--format", "json", "--rules", pack, _fleet_file(tmp_path))
    (message,) = _internal_errors(json.loads(run.stdout), "ORG951")
    assert "(record, field, message)" in message


def test_a_rule_that_loops_forever_is_stopped_by_its_time_budget(tmp_path):
    pack = _pack(tmp_path, "def check(vm, ctx):\n    while True:\n        try:\n            pass\n        except Exception:\n            pass\n    yield None, 'never'\n")
    (tmp_path / ".dmlint.yaml").write_text("rule-timeout: 0.5\n")
    run = run_dmlint("check", "--format", "json", "--rules", pack, _vm_file(tmp_path, GOOD),
                     _vm_file(tmp_path, dict(GOOD, name="two"), name="two.yaml"), cwd=tmp_path)
    findings = json.loads(run.stdout)
    messages = _internal_errors(findings)
    assert len(messages) == 2, messages  # both VMs say they were not checked by the rule
    assert "exceeded its time budget of 0.5 s" in messages[0] and "time budget" in messages[1]
    assert [f["rule"] for f in findings].count("DM102") == 2
    assert run.cpu_s < HANG_TIMEOUT_S


# --- hole 8: nothing the user gave is written to -------------------------------------------------


def test_rules_dir_gets_no_pycache(tmp_path):
    pack = _pack(tmp_path, "def check(vm, ctx):\n    yield None, 'from source'\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # Python would write it
    run = run_dmlint("check", "--format", "json", "--rules", pack, _vm_file(tmp_path, GOOD), env=env)
    assert ("ORG950", "from source") in {(f["rule"], f["message"]) for f in json.loads(run.stdout)}
    assert sorted(p.name for p in pack.iterdir()) == ["org950.py"]


def test_a_planted_pyc_is_not_run_instead_of_the_source(tmp_path):
    """A pull request cannot hide code in an unchecked-hash .pyc beside the rule it changes."""
    import importlib.util
    import py_compile

    pack = _pack(tmp_path, "def check(vm, ctx):\n    yield None, 'from the pyc'\n")
    source = pack / "org950.py"
    py_compile.compile(str(source), cfile=importlib.util.cache_from_source(str(source)),
                       invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    source.write_text(source.read_text().replace("from the pyc", "from source"))
    run = run_dmlint("check", "--format", "json", "--rules", pack, _vm_file(tmp_path, GOOD))
    messages = {f["message"] for f in json.loads(run.stdout) if f["rule"] == "ORG950"}
    assert messages == {"from source"}


@pytest.mark.parametrize("how", ["same", "symlink", "hardlink"])
@pytest.mark.parametrize("option", ["--output", "--write-baseline"])
def test_output_that_names_a_checked_file_is_refused(tmp_path, option, how):
    vm = _vm_file(tmp_path, GOOD)
    before = vm.read_bytes()
    target = vm
    if how == "symlink":
        target = tmp_path / "link.out"  # not a format dmlint reads, so only the link points at an input
        target.symlink_to(vm)
    elif how == "hardlink":
        target = tmp_path / "hard.out"
        os.link(vm, target)
    result = run_cli("check", option, target, tmp_path)
    assert result.exit_code == 2
    assert f"refusing to write {target}: it is {vm}, which this run reads" in result.output
    assert vm.read_bytes() == before


def test_fleet_html_that_names_a_checked_file_is_refused(tmp_path):
    fleet = _fleet_file(tmp_path)
    before = fleet.read_bytes()
    result = run_cli("fleet", "--html", fleet, fleet)
    assert result.exit_code == 2 and "refusing to write" in result.output
    assert fleet.read_bytes() == before


def test_output_beside_the_inputs_is_still_written(tmp_path):
    report = tmp_path / "report.json"
    result = run_cli("check", "--format", "json", "--output", report, _vm_file(tmp_path))
    assert result.exit_code == 1 and json.loads(report.read_text())[0]["rule"] == "DM102"


# --- the escaping functions, for any text -----------------------------------------------------

from hypothesis import example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from dmlint.report import escape  # noqa: E402

ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=40) | st.text(alphabet=":#[ \n\r\x1b\x85\u2028\udce9", max_size=12)
PROPERTY = settings(derandomize=True, max_examples=400, deadline=None)


def _line_is_safe(s: str) -> bool:
    return s.isprintable() and "##[" not in s and not s.lstrip().startswith("::")


@PROPERTY
@given(ANY_TEXT)
@example("a ##[error]b")
@example("  ::error::x")
@example("\u0085::x")
@example("caf\udce9")
def test_human_output_is_one_safe_line_whatever_the_text(text):
    # (the reporters join escaped pieces with separators that hold a space or a colon, so two
    # safe pieces cannot form `##[` or a leading `::` between them)
    out = escape.human(text)
    assert _line_is_safe(out)
    assert _line_is_safe(escape.human_path(text))
    out.encode("utf-8")  # never a lone surrogate


@PROPERTY
@given(st.recursive(st.none() | ANY_TEXT | st.integers(), lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ANY_TEXT, inner, max_size=3), max_leaves=8))
@example({"k ##[x": ["\u2028", "\udce9", "\x7f"]})
def test_json_safe_keeps_the_value_and_drops_every_unsafe_character(value):
    for ascii_only in (True, False):
        out = escape.json_safe(json.dumps(value, indent=2, ensure_ascii=ascii_only))
        assert json.loads(out) == value
        assert all(_line_is_safe(line) for line in out.split("\n"))
        out.encode("utf-8")


@PROPERTY
@given(ANY_TEXT)
@example("##[error] \u2028 \x85")
def test_xml_safe_keeps_attribute_values(text):
    clean = "".join(c for c in text if c in "\t\n\r" or (" " <= c <= "\ud7ff") or ("\ue000" <= c <= "\ufffd") or c > "\uffff")
    element = etree.Element("e", v=clean)
    out = escape.xml_safe(etree.tostring(element, encoding="unicode"))
    assert etree.fromstring(out).get("v") == clean
    assert all(_line_is_safe(line) for line in out.split("\n"))


def test_output_to_dev_stdout_and_through_a_symlink(tmp_path):
    run = run_dmlint("check", "--format", "json", "--output", "/dev/stdout", _vm_file(tmp_path))
    assert run.code == 1 and json.loads(run.stdout)[0]["rule"] == "DM102"  # written into the pipe, not replaced
    real = tmp_path / "real.json"
    real.write_text("old")
    (tmp_path / "link.json").symlink_to(real)
    run = run_dmlint("check", "--format", "json", "--output", tmp_path / "link.json", _vm_file(tmp_path))
    assert (tmp_path / "link.json").is_symlink() and json.loads(real.read_text())[0]["rule"] == "DM102"


def test_a_rule_that_yields_without_end_is_stopped_not_out_of_memory(tmp_path):
    from dmlint.engine import MAX_ITEMS_PER_CALL

    pack = _pack(tmp_path, "def check(vm, ctx):\n    while True:\n        yield None, 'again'\n")
    run = run_dmlint("check", "--format", "json", "--rules", pack, _vm_file(tmp_path, GOOD))
    findings = json.loads(run.stdout)
    (message,) = _internal_errors(findings)
    assert f"yielded more than {MAX_ITEMS_PER_CALL} findings in one call" in message
    assert not [f for f in findings if f["message"] == "again"]


def test_fleet_html_escapes_markup_in_names(tmp_path):
    doc = {"hosts": [{"name": "<script>alert(1)</script>", "memory": "4GB"}],
           "vms": [{"name": "\"><img src=x onerror=alert(2)>", "host": "<script>alert(1)</script>", "memory": {"startup": "8GB"}}]}
    src = tmp_path / "fleet.yaml"
    src.write_text(json.dumps(doc), encoding="utf-8")
    html = tmp_path / "fleet.html"
    run_cli("fleet", "--html", html, src)
    page = html.read_text(encoding="utf-8")
    assert page.count("<script") == 1 and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;" in page
