"""HCL files by name: Terraform `*.tf` / `*.tfvars`, Packer `*.pkr.hcl` / `*.pkrvars.hcl`.
Other `.hcl` files (Terragrunt, Nomad, Vault ...) are not dmlint input: skipped silently."""

from __future__ import annotations

from dmlint.model import ParseResult


def read(data: bytes, display: str, fmt: str) -> ParseResult:
    name = display.rsplit("/", 1)[-1].lower()
    if fmt == "terraform":
        from dmlint.readers.terraform_hcl import read as read_tf

        return read_tf(data, display)
    if fmt == "tfvars":
        from dmlint.readers.terraform_hcl import read_tfvars

        return read_tfvars(data, display)
    if name.endswith(".pkr.hcl"):
        from dmlint.readers.packer_hcl import read as read_pkr

        return read_pkr(data, display)
    if name.endswith(".pkrvars.hcl"):
        from dmlint.readers.packer_hcl import read_pkrvars

        return read_pkrvars(data, display)
    return ParseResult(ours=False)
