"""What it does
    Checks startup memory (always) and maximum memory (with Dynamic Memory on) against the
    most memory Hyper-V gives one VM, which depends on the host version and the VM's
    generation:

        Gen 1, every version ....................... 1 TB   (1048576 MB)
        Gen 2 on 2012 / 2012 R2 .................... 1 TB   (1048576 MB)
        Gen 2 on 2016 / 2019 ....................... 12 TB  (12582912 MB)
        Gen 2 on 2022 / 2025 ....................... 240 TB (251658240 MB)

    The host version is the VM's own `hyperv_version`, else its host's, else
    `--hyperv-version` (or `hyperv-version` in the configuration file).

    When none of those gives a version, dmlint never guesses low:
      * Gen 1: 1 TB, the same on every version.
      * Gen 2: the largest limit the VM could have anywhere, so there is no false
        positive. That is 240 TB, unless the VM's configuration version (known for
        exports) is below 8.0: large-memory VMs need configuration version 8.0, so such a
        VM is held to 1 TB on any host. The configuration version only says how old a host
        may be (a VM at 9.0 runs on 2019 or later), never how new, so it does not narrow
        the 240 TB further.
    The 8.0 threshold applies with a known host version too: a Gen 2 VM at configuration
    5.0 on a 2019 host is still limited to 1 TB.

Why it matters
    Hyper-V refuses a VM configured above its per-VM maximum, so the VM cannot be created,
    imported or started with these values. A Gen 1 VM never gets more than 1 TB.

    Static VMs (dynamic memory off) have only their startup memory checked: their maximum is
    a leftover that Hyper-V ignores (2012 R2 exports carry a 1 TB maximum on every VM).

Example
    vm:
      name: olap-01
      generation: 1
      hyperv_version: "2019"
      memory:
        dynamic: true
        startup: 64GB
        minimum: 16GB
        maximum: 2TB     # DM104: maximum 2TB (2097152 MB) is above the 1048576 MB per-VM limit for a Gen 1 VM

    Use instead: generation: 2 (12 TB on 2019), or maximum: 1TB.

Source
    https://learn.microsoft.com/windows-server/virtualization/hyper-v/plan/plan-hyper-v-scalability-in-windows-server
    https://learn.microsoft.com/previous-versions/windows/it-pro/windows-server-2012-R2-and-2012/jj680093(v=ws.11)
    https://learn.microsoft.com/windows-server/virtualization/hyper-v/deploy/upgrade-virtual-machine-version-in-hyper-v-on-windows-or-windows-server
    (figures and per-figure sources: rules/data/hyperv_versions.yaml)
"""

ID = "DM104"
NAME = "above-vm-limit"
SEVERITY = "error"
SUMMARY = "startup or maximum above the per-VM limit for the Hyper-V version and generation"
SOURCE = "https://learn.microsoft.com/windows-server/virtualization/hyper-v/plan/plan-hyper-v-scalability-in-windows-server"
SCOPE = "vm"


def check(vm, ctx):
    fields = ["startup", "maximum"] if vm.dynamic else ["startup"]
    values = [(f, getattr(vm, f)) for f in fields if getattr(vm, f) is not None]
    if not values:
        return
    limit, why = ctx.limits.vm_max_mb(ctx.hyperv_version(vm), vm.generation, vm.config_version)
    for fld, value in values:
        if value > limit:
            yield fld, f"{fld} {vm.size(fld)} is above the {limit} MB per-VM limit for {why}"
