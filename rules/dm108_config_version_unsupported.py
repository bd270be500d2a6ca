"""What it does
    Checks a VM's configuration version (read from XML and VMCX exports, or `config_version`
    in YAML) against the versions its target Hyper-V host runs. The target is the VM's own
    `hyperv_version`, else its host's, else `--hyperv-version`; without one, or without a
    configuration version, the rule is silent. The ranges, from Microsoft's table of
    supported configuration versions for long-term-servicing hosts:

        2012 R2 .......... up to 5.0
        2016 ............. 5.0 to 8.0
        2019 ............. 5.0 to 9.0
        2022 ............. 8.0 to 10.0   (5.0, 6.2, 7.0 and 7.1 are not supported)
        2025 ............. 8.0 to 12.0   (5.0, 6.2, 7.0 and 7.1 are not supported)

    2012 is not in that table and is not checked. The message names the host versions that
    can upgrade an old VM before it moves.

Why it matters
    "If the VM's configuration version is not listed as supported for your Hyper-V host OS
    ... you either have to upgrade the VM configuration version to a newer version or create
    a new VM of the same generation using the existing virtual hard disks before you can start
    the VM." Windows Server 2022 and later cannot even do the upgrade: "You cannot import or
    upgrade VM Version 5.0 to the new format using Windows Server 2022 or newer." A VM made on
    a newer Hyper-V cannot be imported on an older one either.

Example
    vm:
      name: legacy-app-01
      hyperv_version: "2022"
      config_version: "5.0"   # DM108: configuration version 5.0 cannot start on Hyper-V 2022,
      memory:                 #        which runs 8.0 to 10.0; upgrade it first on 2016 or 2019
        startup: 4GB

    Use instead: Update-VMVersion on a 2016 or 2019 host before the move (config_version 8.0
    or later), or a new VM on the 2022 host using the existing virtual hard disks.

Source
    https://learn.microsoft.com/windows-server/virtualization/hyper-v/deploy/upgrade-virtual-machine-version-in-hyper-v-on-windows-or-windows-server#supported-vm-configuration-versions-for-long-term-servicing-hosts
    (ranges and their sources: rules/data/hyperv_versions.yaml, supported_config_versions)
"""

from dmlint.limits import parse_config_version

ID = "DM108"
NAME = "config-version-unsupported"
SEVERITY = "error"
SUMMARY = "configuration version the target Hyper-V host cannot run (e.g. 5.0-7.1 on 2022/2025)"
SOURCE = "https://learn.microsoft.com/windows-server/virtualization/hyper-v/deploy/upgrade-virtual-machine-version-in-hyper-v-on-windows-or-windows-server"
SCOPE = "vm"


def _fmt(cv) -> str:
    return f"{cv[0]}.{cv[1]}"


def _runs(lo, hi) -> str:
    return f"up to {_fmt(hi)}" if lo is None else f"{_fmt(lo)} to {_fmt(hi)}" if hi is not None else f"{_fmt(lo)} and later"


def check(vm, ctx):
    cv = parse_config_version(vm.config_version)
    if cv is None:
        return
    host = ctx.limits.version(ctx.hyperv_version(vm))
    if host is None or host.config_range is None:
        return
    lo, hi = host.config_range
    where = f"Hyper-V {host.label}, which runs {_runs(lo, hi)}"
    if lo is not None and cv < lo:
        # hosts that run this VM and can raise it to a version the target runs
        upgraders = [
            v.label for v in ctx.limits.versions
            if v.config_range and v.key != host.key
            and (v.config_range[0] is None or v.config_range[0] <= cv)
            and v.config_range[1] is not None and v.config_range[1] >= lo
        ]
        how = f"; upgrade it first (Update-VMVersion) on {' or '.join(upgraders)}" if upgraders else ""
        yield "config_version", f"configuration version {_fmt(cv)} cannot start on {where}{how}"
    elif hi is not None and cv > hi:
        yield "config_version", (
            f"configuration version {_fmt(cv)} is newer than {where}; "
            "a VM made on a newer Hyper-V cannot be imported on an older one"
        )
