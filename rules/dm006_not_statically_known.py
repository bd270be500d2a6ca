"""What it does
    Reports a Terraform or Packer value that dmlint cannot know without running the tool:
    a variable with no default and no value in a tfvars/pkrvars file, a data source, a
    resource attribute, a function dmlint does not evaluate, a `for_each` over something
    computed. The value is not checked, and nothing is guessed in its place.

Why it matters
    A linter that silently skips what it cannot read looks like a clean bill of health.
    This finding says which attribute was left out, and why, so that the value can be given
    statically (a variable default, a terraform.tfvars entry) or checked from a plan instead
    (`terraform show -json`).

    What is evaluated: literals, arithmetic (`4 * 1024 * 1024 * 1024`), string templates of
    known values, `local.*`, `var.*` from defaults and tfvars / pkrvars in the same directory,
    `count` / `for_each` over known values, local module calls with their arguments, and the
    functions try, coalesce, min, max, pow, abs, floor, ceil, lookup, tostring, tonumber,
    lower, upper, merge, concat, length. See docs/terraform.md.

Example
    resource "hyperv_machine_instance" "web" {
      name                 = "web-01"
      static_memory        = true
      memory_startup_bytes = var.memory   # DM006: memory_startup_bytes is not statically known
    }                                     # (var.memory has no default and no value is set in
                                          # a tfvars file); not checked

Source
    SPEC §2.5; Terraform's evaluation order of variables:
    https://developer.hashicorp.com/terraform/language/values/variables#variable-definition-precedence
"""

ID = "DM006"
NAME = "not-statically-known"
SEVERITY = "info"
SUMMARY = "a value is not statically known (a Terraform/Packer expression dmlint cannot evaluate): not checked"
SOURCE = "https://developer.hashicorp.com/terraform/language/values/variables#variable-definition-precedence"
SCOPE = "input"
