"""Terraform and Packer HCL readers (SPEC §2.5, §2.6): records, defaults, evaluation,
modules, suppressions, hostile input."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, check_json, run_cli
from dmlint.readers import read_bytes

TF = FIXTURES / "terraform"
PKR = FIXTURES / "packer"


def _rules(findings):
    return sorted(f["rule"] for f in findings)


def _vms(path, fmt="terraform"):
    return read_bytes(path.read_bytes(), str(path), fmt)


def test_clean_terraform_file_has_no_finding():
    code, findings = check_json(TF / "dm102_passes_clean.tf")
    assert (code, findings) == (0, [])


def test_clean_packer_file_has_no_finding():
    code, findings = check_json(PKR / "dm102_passes_clean.pkr.hcl")
    assert (code, findings) == (0, [])


def test_record_fields_and_provider_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "main.tf").write_text(
        'resource "hyperv_machine_instance" "a" {\n'
        '  name          = "a"\n'
        '  static_memory = true\n'
        '  state         = "off"\n'
        '  notes         = "guest_os=win2k22 host=hv-1"\n'
        "}\n"
    )
    result = read_bytes((tmp_path / "main.tf").read_bytes(), "main.tf", "terraform")
    assert result.problems == []
    (vm,) = result.vms
    # provider v1.2.1 defaults: startup and minimum 512 MB, maximum 1 TB, generation 2
    assert (vm.name, vm.generation, vm.dynamic, vm.startup, vm.minimum, vm.maximum) == ("a", 2, False, 512, 512, 1048576)
    assert (vm.state, vm.guest_os, vm.host, vm.fmt) == ("off", "win2k22", "hv-1", "terraform")
    assert vm.loc("guest_os").line == 5


def test_static_vm_keeps_minimum_and_maximum_but_dynamic_rules_do_not_apply(tmp_path):
    path = tmp_path / "main.tf"
    path.write_text(
        'resource "hyperv_machine_instance" "s" {\n  name = "s"\n  static_memory = true\n'
        "  memory_startup_bytes = 1073741824\n  memory_minimum_bytes = 4294967296\n}\n"
    )
    _, findings = check_json(path)
    assert "DM102" not in _rules(findings)
    (vm,) = _vms(path).vms
    assert (vm.dynamic, vm.minimum) == (False, 4096)


def test_dm102_message_and_position():
    _, findings = check_json(TF / "dm102_fires.tf")
    (f,) = [f for f in findings if f["rule"] == "DM102"]
    assert f["message"] == "minimum 2048 MB is above startup 1024 MB"
    assert (f["line"], f["column"], f["vm"]) == (7, 3, "tf-dm102")


def test_both_or_neither_flag_is_dm002(tmp_path):
    path = tmp_path / "main.tf"
    path.write_text('resource "hyperv_machine_instance" "n" {\n  name = "n"\n}\n')
    _, findings = check_json(path)
    (f,) = [f for f in findings if f["rule"] == "DM002"]
    assert "both false (or absent)" in f["message"] and "exactly one" in f["message"]
    _, findings = check_json(TF / "dm002_fires_both_flags.tf")
    assert any("both true" in f["message"] for f in findings if f["rule"] == "DM002")


def test_bytes_not_a_whole_mb_is_dm105_and_below_1mb_is_dm003():
    _, findings = check_json(TF / "dm105_fires.tf")
    (f,) = [f for f in findings if f["rule"] == "DM105"]
    assert "4000000000 bytes is 3814.70 MB" in f["message"] and "3999268864" in f["message"]
    _, findings = check_json(TF / "dm003_fires_mb_as_bytes.tf")
    (f,) = [f for f in findings if f["rule"] == "DM003"]
    assert "did you mean 4096 MB" in f["message"]


def test_tfvars_overrides_default_and_the_finding_points_there():
    _, findings = check_json(TF / "dm102_fires_tfvars")
    (f,) = [f for f in findings if f["rule"] == "DM102"]
    assert f["path"].endswith("dm102_fires_tfvars/terraform.tfvars") and f["line"] == 2
    assert f["vm"] == "tf-tfvars"
    assert f["message"] == "minimum 3072 MB is above startup 2048 MB"


def test_local_module_call_with_for_each_and_optional_defaults():
    result = run_cli("show", "--format", "json", str(TF / "dm102_fires_module" / "env"))
    import json

    vms = {v["name"]: v for v in json.loads(result.output)["vms"]}
    assert set(vms) == {"tf-module-ok", "tf-module-bad"}
    # optional(number, 2048) / optional(number, 512) / optional(number, 4096)
    assert (vms["tf-module-ok"]["startup"], vms["tf-module-ok"]["minimum"], vms["tf-module-ok"]["maximum"]) == (2048, 512, 4096)
    assert vms["tf-module-bad"]["minimum"] == 3072
    _, findings = check_json(TF / "dm102_fires_module" / "env")
    assert [f["vm"] for f in findings if f["rule"] == "DM102"] == ["tf-module-bad"]


def test_for_each_names_each_instance():
    result = _vms(TF / "dm201_fires.tf")
    assert sorted((v.name, v.startup) for v in result.vms) == [("tf-dm201-a", 512), ("tf-dm201-b", 1024)]


def test_count_condition_template_pow_are_evaluated():
    result = _vms(TF / "dm006_passes.tf")
    assert result.problems == []
    assert sorted((v.name, v.startup) for v in result.vms) == [("tf-dm006-known-0", 2048), ("tf-dm006-known-1", 2048)]


def test_unresolvable_value_is_dm006_at_the_attribute():
    _, findings = check_json(TF / "dm006_fires.tf")
    (f,) = findings
    assert f["rule"] == "DM006" and f["severity"] == "info" and f["line"] == 11
    assert f["message"] == (
        "hyperv_machine_instance.tf_dm006: memory_startup_bytes is not statically known "
        "(var.memory has no default and no value is set in a tfvars file); not checked"
    )


@pytest.mark.parametrize(
    "expr,reason",
    [
        ("data.x.y.size", "data.x is only known when Terraform or Packer runs"),
        ("file(\"x\")", "the function file() is not evaluated"),
        ("var.nope", "var.nope is not declared"),
        ("hyperv_vhd.x.size", "hyperv_vhd is not a value dmlint knows"),
        ("local.loop", "local.loop refers to itself"),
        ("try(data.x.y, 2)", "data.x is only known"),  # not known is not an error: no fallback
        ("coalesce(var.nope, 2)", "var.nope is not declared"),
    ],
)
def test_what_is_not_known_says_why(tmp_path, expr, reason):
    path = tmp_path / "main.tf"
    path.write_text(
        'locals {\n  loop = local.loop + 1\n}\n'
        f'resource "hyperv_machine_instance" "u" {{\n  name = "u"\n  static_memory = true\n  memory_startup_bytes = {expr}\n}}\n'
    )
    result = _vms(path)
    (p,) = result.problems
    assert p.rule == "DM006" and reason in p.message, p.message
    assert result.vms[0].startup is None  # not guessed


@pytest.mark.parametrize(
    "expr,mb",
    [
        ("try({ a = 1 }.b, 2) * 1048576", 2),  # a missing attribute is an error: try moves on
        ("coalesce(null, \"\", 4) * 1048576", 4),
        ("lookup({ s = 8 }, \"m\", 16) * 1048576", 16),
        ("max(1, 3) * pow(1024, 2)", 3),
        ("[for x in [1, 2, 5] : x * 2][2] * 1048576", 10),
        ("{ for k, v in { a = 6 } : k => v }.a * 1048576", 6),
        ("(true && !false ? 12 : 0) * 1048576", 12),
        ("7340032 / 7 * 7", 7),
        ('"2" * 1048576', 2),  # Terraform converts a numeric string for an operator
        ('("1" <= 1 ? 4 : 8) * 1048576', 4),
    ],
)
def test_known_expressions(tmp_path, expr, mb):
    result = _one(tmp_path, expr)
    assert result.problems == []
    assert result.vms[0].startup == mb


def test_syntax_error_is_dm001_with_line_and_column(tmp_path):
    path = tmp_path / "main.tf"
    path.write_text('resource "hyperv_machine_instance" "x" {\n  name = "x"\n  memory_startup_bytes = \n}\n')
    _, findings = check_json(path)
    (f,) = findings
    assert f["rule"] == "DM001" and f["line"] == 3 and f["column"] > 1 and "HCL syntax error" in f["message"]


def test_unrelated_terraform_and_hcl_files_are_skipped(tmp_path):
    (tmp_path / "aws.tf").write_text('resource "aws_instance" "x" {\n  ami = \n')  # broken, but not ours
    (tmp_path / "terragrunt.hcl").write_text("include {}\n")
    code, findings = check_json(tmp_path)
    assert (code, findings) == (0, [])


def test_suppression_comments_come_from_comment_tokens_only(tmp_path):
    path = tmp_path / "main.tf"
    path.write_text(
        'resource "hyperv_machine_instance" "s" {\n'
        '  name = "# dmlint: disable=DM102"\n'  # a string, not a comment: suppresses nothing
        "  dynamic_memory = true\n"
        "  memory_startup_bytes = 1073741824\n"
        "  memory_minimum_bytes = 2147483648\n"
        "}\n"
    )
    _, findings = check_json(path)
    assert "DM102" in _rules(findings)
    text = path.read_text().replace("  memory_minimum_bytes = 2147483648\n", "  // dmlint: disable=DM102 -- sized by the DBA team\n  memory_minimum_bytes = 2147483648\n")
    path.write_text(text)
    _, findings = check_json(path)
    assert "DM102" not in _rules(findings)
    path.write_text(text.replace("  // dmlint: disable=DM102 -- sized by the DBA team\n", "").replace("2147483648\n}", "2147483648 # dmlint: disable=DM1\n}"))
    _, findings = check_json(path)
    assert "DM102" not in _rules(findings)


def test_suppression_in_tfvars_file(tmp_path):
    (tmp_path / "main.tf").write_text((TF / "dm102_fires_tfvars" / "main.tf").read_text())
    (tmp_path / "terraform.tfvars").write_text("minimum_gb = 3 # dmlint: disable=DM102 -- on purpose\n")
    _, findings = check_json(tmp_path)
    assert "DM102" not in _rules(findings)


# --- hostile input ---------------------------------------------------------------------------


def _one(tmp_path, expr: str):
    path = tmp_path / "main.tf"
    path.write_text(f'resource "hyperv_machine_instance" "h" {{\n  name = "h"\n  static_memory = true\n  memory_startup_bytes = {expr}\n}}\n')
    return _vms(path)


def test_multiplication_chain_producing_a_huge_int_is_bounded(tmp_path):
    result = _one(tmp_path, " * ".join(["99999999999"] * 40))
    (p,) = result.problems
    assert p.rule == "DM003" and "larger than 2^128" in p.message


def test_long_multiplication_chain_is_bounded(tmp_path):
    result = _one(tmp_path, " * ".join(["99999999999"] * 3000))
    (p,) = result.problems
    assert p.rule == "DM006" and "nested too deeply" in p.message


def test_huge_integer_literal_is_bounded(tmp_path):
    result = _one(tmp_path, "9" * 5000)
    assert [p.rule for p in result.problems] == ["DM003"]


def test_pow_bomb_is_bounded(tmp_path):
    result = _one(tmp_path, "pow(2, 99999999)")
    assert [p.rule for p in result.problems] == ["DM003"]


def test_deep_nesting_is_bounded(tmp_path):
    result = _one(tmp_path, "(" * 3000 + "1" + ")" * 3000)
    assert [p.rule for p in result.problems] in (["DM006"], ["DM001"])


def test_deep_object_nesting_is_a_finding(tmp_path):
    path = tmp_path / "main.tf"
    path.write_text('locals {\n  x = ' + "{a = " * 2000 + "1" + "}" * 2000 + '\n}\nresource "hyperv_machine_instance" "d" {\n  name = "d"\n  static_memory = true\n  memory_startup_bytes = local.x.a.a\n}\n')
    result = _vms(path)
    assert result.problems and all(p.rule in ("DM001", "DM002", "DM003", "DM006") for p in result.problems)


def test_nested_for_expressions_are_bounded(tmp_path):
    from dmlint.readers.hcl_eval import MAX_STEPS, Evaluator

    items = ", ".join(["1"] * 2000)
    path = tmp_path / "main.tf"
    path.write_text(
        f"locals {{\n  big = [{items}]\n  sq = {{ for i, a in local.big : i => {{ for j, b in local.big : j => {{ for k, c in local.big : k => a }} }} }}\n}}\n"
        'resource "hyperv_machine_instance" "n" {\n  name = "n"\n  static_memory = true\n  memory_startup_bytes = length(local.sq)\n}\n'
    )
    calls = []
    original = Evaluator.eval

    def counting(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    Evaluator.eval = counting
    try:
        result = _vms(path)
    finally:
        Evaluator.eval = original
    assert [p.rule for p in result.problems] == ["DM006"] and "budget" in result.problems[0].message
    assert len(calls) < 2 * MAX_STEPS  # bounded work, not 2000^3 evaluations


def test_module_cycle_is_bounded(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "main.tf").write_text('module "self" {\n  source = "./"\n}\nmodule "up" {\n  source = "../a"\n}\n')
    result = read_bytes((tmp_path / "a" / "main.tf").read_bytes(), "a/main.tf", "terraform")
    assert result.problems and all(p.rule == "DM006" for p in result.problems)
    assert any("cycle" in p.message for p in result.problems)


def test_module_outside_the_checked_tree_is_not_followed(tmp_path, monkeypatch):
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "main.tf").write_text('resource "hyperv_machine_instance" "o" {\n  name = "o"\n  static_memory = true\n}\n')
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "main.tf").write_text('module "o" {\n  source = "../outside"\n}\n')
    monkeypatch.chdir(repo)
    result = read_bytes((repo / "main.tf").read_bytes(), "main.tf", "terraform")
    assert result.vms == []
    (p,) = result.problems
    assert p.rule == "DM006" and "inside the checked tree" in p.message


def test_too_many_instances_is_dm006(tmp_path):
    path = tmp_path / "main.tf"
    path.write_text('resource "hyperv_machine_instance" "c" {\n  count = 100000\n  name = "c"\n  static_memory = true\n}\n')
    result = _vms(path)
    assert result.vms == [] and [p.rule for p in result.problems] == ["DM006"]


def test_huge_file_is_refused_unparsed(tmp_path):
    from dmlint.readers.hcl_module import MAX_HCL_BYTES

    data = b'resource "hyperv_machine_instance" "x" {\n' + b"# padding\n" * (MAX_HCL_BYTES // 10 + 1) + b"}\n"
    result = read_bytes(data, str(tmp_path / "big.tf"), "terraform")
    (p,) = result.problems
    assert p.rule == "DM001" and "not parsed" in p.message


def test_not_utf8_is_dm001(tmp_path):
    path = tmp_path / "main.tf"
    path.write_bytes(b'resource "hyperv_machine_instance" "x" {\n  name = "\xff"\n}\n')
    _, findings = check_json(path)
    assert _rules(findings) == ["DM001"]


_FRAGMENT = st.lists(
    st.sampled_from(
        [
            "1", "-2", "1.5e3", '"s"', '"${var.a}"', "var.a", "local.l", "each.key", "count.index", "true", "null",
            "[1, 2]", "{ a = 1 }", "(", ")", "*", "+", "/", "%", "-", "?", ":", "==", "!", "&&", "pow(2, 64)",
            "max(1, var.a)", "[for x in [1] : x]", "\n", "{", "}", "=", "#", "// c\n", "99999999999999999999",
            '"%{if true}x%{endif}"', "x[0]", "x.*", "data.d.e",
        ]
    ),
    max_size=25,
)


@settings(derandomize=True, max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_FRAGMENT, st.booleans())
def test_generated_hcl_never_escapes_as_anything_but_findings(tmp_path_factory, parts, in_locals):
    expr = " ".join(parts)
    body = f"locals {{\n  l = {expr}\n}}\n" if in_locals else ""
    text = body + f'variable "a" {{\n  default = 3\n}}\nresource "hyperv_machine_instance" "g" {{\n  name = "g"\n  dynamic_memory = true\n  memory_startup_bytes = {expr if not in_locals else "local.l"}\n}}\n'
    path = tmp_path_factory.mktemp("hcl") / "main.tf"
    path.write_text(text)
    result = read_bytes(text.encode(), str(path), "terraform")
    assert all(p.rule in ("DM001", "DM002", "DM003", "DM006", "DM105") for p in result.problems)
    assert all("internal error" not in p.message for p in result.problems)


# --- Packer -----------------------------------------------------------------------------------


def test_packer_defaults_and_hyperv_minimum_maximum(tmp_path):
    path = tmp_path / "a.pkr.hcl"
    path.write_text('source "hyperv-iso" "ubuntu" {\n  enable_dynamic_memory = true\n}\n')
    result = read_bytes(path.read_bytes(), str(path), "hcl")
    (vm,) = result.vms
    # plugin v1.1.4: memory 1024 MB, generation 1, vm_name packer-<source>; Hyper-V's 512 MB / 1 TB
    assert (vm.name, vm.startup, vm.generation, vm.dynamic, vm.minimum, vm.maximum, vm.fmt) == ("packer-ubuntu", 1024, 1, True, 512, 1048576, "packer")
    assert vm.loc("minimum").line == 2  # points at enable_dynamic_memory


def test_packer_generation_coercion_and_memory_range_are_said():
    _, findings = check_json(PKR / "dm002_fires_generation.pkr.hcl")
    assert any("silently builds a generation 1 VM" in f["message"] for f in findings)
    _, findings = check_json(PKR / "dm002_fires_memory.pkr.hcl")
    assert any("outside 32-32768 MB" in f["message"] for f in findings)


def test_packer_auto_pkrvars_overrides_default_and_finding_points_there():
    _, findings = check_json(PKR / "dm105_fires_pkrvars")
    (f,) = [f for f in findings if f["rule"] == "DM105"]
    assert f["path"].endswith("sizes.auto.pkrvars.hcl") and f["line"] == 2


def test_packer_plain_pkrvars_that_disagree_are_dm006(tmp_path):
    (tmp_path / "b.pkr.hcl").write_text('variable "memory" {\n  default = 2048\n}\nsource "hyperv-iso" "x" {\n  memory = var.memory\n}\n')
    (tmp_path / "small.pkrvars.hcl").write_text("memory = 1024\n")
    (tmp_path / "big.pkrvars.hcl").write_text("memory = 8192\n")
    result = read_bytes((tmp_path / "b.pkr.hcl").read_bytes(), str(tmp_path / "b.pkr.hcl"), "hcl")
    (p,) = result.problems
    assert p.rule == "DM006" and "-var-file" in p.message


def test_packer_guest_os_from_mappings(monkeypatch):
    monkeypatch.chdir(PKR / "guest")
    code, findings = check_json(".")
    assert code == 1
    assert sorted((f["rule"], f["vm"]) for f in findings) == [("DM201", "pkr-2019-small"), ("DM205", "pkr-win11-gen1")]


def test_show_on_a_terraform_repo():
    result = run_cli("show", str(TF / "dm102_fires_tfvars"))
    assert result.exit_code == 0
    assert "tf-tfvars" in result.output and "terraform" in result.output


def test_tfvars_precedence_auto_files_after_terraform_tfvars_json(tmp_path):
    (tmp_path / "main.tf").write_text(
        'variable "gb" {\n  default = 1\n}\nresource "hyperv_machine_instance" "p" {\n  name = "p"\n'
        "  static_memory = true\n  memory_startup_bytes = var.gb * 1073741824\n}\n"
    )
    (tmp_path / "terraform.tfvars").write_text("gb = 2\n")
    (tmp_path / "terraform.tfvars.json").write_text('{"gb": 3}')
    result = _vms(tmp_path / "main.tf")
    assert result.vms[0].startup == 3072
    (tmp_path / "b.auto.tfvars").write_text("gb = 4\n")
    (tmp_path / "a.auto.tfvars.json").write_text('{"gb": 5}')
    result = _vms(tmp_path / "main.tf")
    assert result.vms[0].startup == 4096  # *.auto.tfvars(.json) in lexical order: b after a
    assert result.vms[0].loc("startup").path.endswith("b.auto.tfvars")


def test_dot_terraform_directory_is_not_walked(tmp_path):
    cache = tmp_path / ".terraform" / "modules" / "vm"
    cache.mkdir(parents=True)
    (cache / "main.tf").write_text((TF / "dm102_fires.tf").read_text())
    code, findings = check_json(tmp_path)
    assert (code, findings) == (0, [])


@settings(derandomize=True, max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_FRAGMENT)
def test_generated_packer_fragments_never_escape(tmp_path_factory, parts):
    expr = " ".join(parts)
    text = f'variable "a" {{\n  default = 3\n}}\nsource "hyperv-iso" "g" {{\n  memory = {expr}\n  generation = {expr}\n  enable_dynamic_memory = {expr}\n}}\n'
    path = tmp_path_factory.mktemp("pkr") / "t.pkr.hcl"
    path.write_text(text)
    result = read_bytes(text.encode(), str(path), "hcl")
    assert all(p.rule in ("DM001", "DM002", "DM003", "DM006") for p in result.problems)
    assert all("internal error" not in p.message for p in result.problems)


_ATOMS = st.sampled_from(
    ["1", "-2", "1.5e3", "0", '"s"', '"${var.a}"', "var.a", "var.o", "local.l", "true", "false", "null",
     "pow(2, 64)", "each.key", "count.index", "data.d.e", "99999999999999999999", "1048576", '""']
)
_OPS = st.sampled_from(["+", "-", "*", "/", "%", "==", "!=", "<", ">=", "&&", "||"])
_EXPR = st.recursive(
    _ATOMS,
    lambda inner: st.one_of(
        st.tuples(inner, _OPS, inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        inner.map(lambda e: f"!{e}"),
        inner.map(lambda e: f"-{e}"),
        st.tuples(inner, inner, inner).map(lambda t: f"({t[0]} ? {t[1]} : {t[2]})"),
        st.lists(inner, max_size=3).map(lambda items: "[" + ", ".join(items) + "]"),
        inner.map(lambda e: f"{{ a = {e} }}.a"),
        inner.map(lambda e: f"[{e}][0]"),
        st.tuples(inner, inner).map(lambda t: f"max({t[0]}, {t[1]})"),
        st.tuples(inner, inner).map(lambda t: f"try({t[0]}, {t[1]})"),
        st.tuples(inner, inner).map(lambda t: f"coalesce({t[0]}, {t[1]})"),
        st.tuples(inner, inner).map(lambda t: f"lookup({{ k = {t[0]} }}, \"k\", {t[1]})"),
        inner.map(lambda e: f"[for x in [1, 2] : {e}]"),
        inner.map(lambda e: f"{{ for k, v in {{ a = 1 }} : k => {e} }}"),
        inner.map(lambda e: f'"x-${{{e}}}"'),
        inner.map(lambda e: f"tonumber({e})"),
        inner.map(lambda e: f"length({e})"),
    ),
    max_leaves=8,
)


@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")
@settings(derandomize=True, max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_EXPR, _EXPR)
def test_generated_valid_expressions_evaluate_or_become_findings(tmp_path_factory, mem, name):
    text = (
        'variable "a" {\n  default = 3\n}\nvariable "o" {\n  type = object({ x = optional(number, 1) })\n  default = {}\n}\n'
        f"locals {{\n  l = {mem}\n}}\n"
        f'resource "hyperv_machine_instance" "g" {{\n  count = 1\n  name = {name}\n  dynamic_memory = {mem}\n'
        f"  memory_startup_bytes = local.l\n  memory_maximum_bytes = {mem}\n}}\n"
    )
    path = tmp_path_factory.mktemp("hclx") / "main.tf"
    path.write_text(text)
    result = read_bytes(text.encode(), str(path), "terraform")
    # DM001: python-hcl2's grammar refuses a few valid forms (an object inside "${...}")
    assert all(p.rule in ("DM001", "DM002", "DM003", "DM006", "DM105") for p in result.problems), [p.message for p in result.problems]
    assert len(result.vms) == 1 or any(p.rule == "DM001" for p in result.problems)


def test_block_comment_and_disable_file(tmp_path):
    base = (TF / "dm102_fires.tf").read_text()
    path = tmp_path / "main.tf"
    path.write_text(base.replace("  memory_minimum_bytes", "  /* dmlint: disable=DM102 */\n  memory_minimum_bytes"))
    assert "DM102" not in _rules(check_json(path)[1])
    path.write_text("// dmlint: disable-file=DM1 -- lab VMs\n" + base)
    assert "DM102" not in _rules(check_json(path)[1])
    path.write_text(base.replace("  memory_minimum_bytes", "  /* dmlint: disable=DM105 */\n  memory_minimum_bytes"))
    assert "DM102" in _rules(check_json(path)[1])  # another rule: not suppressed


def test_pre_commit_hook_passes_the_hcl_file_types():
    import re

    import yaml

    (hook,) = yaml.safe_load((FIXTURES.parent / ".pre-commit-hooks.yaml").read_text())
    files = re.compile(hook["files"])
    for name in ("main.tf", "env/terraform.tfvars", "x.auto.tfvars", "build.pkr.hcl", "vars.pkrvars.hcl", "a.yaml", "b.vmcx"):
        assert files.search(name), name
    for name in ("terragrunt.hcl", "main.tf.bak", "plan.tfplan"):
        assert not files.search(name), name


def test_state_is_case_insensitive_and_generation_outside_1_2_is_dm002(tmp_path):
    path = tmp_path / "main.tf"
    path.write_text('resource "hyperv_machine_instance" "a" {\n  name = "a"\n  static_memory = true\n  state = "OFF"\n  generation = 3\n}\n')
    result = _vms(path)
    assert result.vms[0].state == "off" and result.vms[0].generation == 2
    (p,) = result.problems
    assert p.rule == "DM002" and p.message == "hyperv_machine_instance.a: generation 3 is not one of 1, 2 (the provider accepts only these)"
    path.write_text(path.read_text().replace('"OFF"', '"Paused"').replace("  generation = 3\n", ""))
    (p,) = _vms(path).problems
    assert p.rule == "DM002" and "state 'Paused' is not Running or Off" in p.message


def test_nested_module_calls_with_count_and_addresses(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "modules" / "vm").mkdir(parents=True)
    (tmp_path / "modules" / "pair").mkdir(parents=True)
    (tmp_path / "modules" / "vm" / "main.tf").write_text(
        'variable "name" {}\nvariable "mb" {\n  default = 2048\n}\n'
        'resource "hyperv_machine_instance" "this" {\n  name = var.name\n  static_memory = true\n  memory_startup_bytes = var.mb * 1048576\n}\n'
    )
    (tmp_path / "modules" / "pair" / "main.tf").write_text(
        'variable "prefix" {}\nmodule "node" {\n  source = "../vm"\n  count  = 2\n  name   = "${var.prefix}-${count.index}"\n  mb     = 1024 * (count.index + 1)\n}\n'
    )
    (tmp_path / "main.tf").write_text('provider "hyperv" {}\nmodule "web" {\n  source = "./modules/pair"\n  prefix = "web"\n}\n')
    result = read_bytes((tmp_path / "main.tf").read_bytes(), "main.tf", "terraform")
    assert result.problems == []
    assert sorted((v.name, v.startup) for v in result.vms) == [("web-0", 1024), ("web-1", 2048)]
    # the size is written in modules/pair (the argument), the record is the root call
    assert {v.loc("startup").path for v in result.vms} == {"modules/pair/main.tf"}
    assert {v.source.path for v in result.vms} == {"main.tf"}
