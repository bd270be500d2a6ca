"""What it does
    For a Linux guest with Dynamic Memory on, checks that startup, minimum and maximum are
    multiples of 128 MB, and names every value that is not.

Why it matters
    Microsoft's pages on Linux guests: with Dynamic Memory, "specify Startup memory, Minimum
    memory, and Maximum memory parameters in multiples of 128 megabytes (MB). Failure to do
    so can lead to Hot-Add failures, and you might not see any memory increase on a guest
    operating system." Linux onlines hot-added memory in 128 MB sections.

Example
    vm:
      name: db-01
      guest_os: ubuntu22.04
      memory:
        dynamic: true
        startup: 1000MB    # DM204: startup 1000 MB and maximum 3000 MB are not multiples of 128 MB ...
        minimum: 512MB
        maximum: 3000MB

    Use instead: startup: 1024MB, maximum: 3072MB.

Source
    https://learn.microsoft.com/windows-server/virtualization/hyper-v/supported-ubuntu-virtual-machines-on-hyper-v (note 8)
    https://learn.microsoft.com/windows-server/virtualization/hyper-v/feature-descriptions-for-linux-and-freebsd-virtual-machines-on-hyper-v
"""

ID = "DM204"
NAME = "linux-not-128mb-multiple"
SEVERITY = "warning"
SUMMARY = "Linux guest with dynamic memory whose startup/minimum/maximum are not multiples of 128 MB"
SOURCE = "https://learn.microsoft.com/windows-server/virtualization/hyper-v/feature-descriptions-for-linux-and-freebsd-virtual-machines-on-hyper-v"
SCOPE = "vm"


def check(vm, ctx):
    if not vm.dynamic or vm.guest_os is None:
        return
    guest = ctx.catalog.guest(vm.guest_os)
    if guest is None or guest.family != "linux":
        return
    rule = guest.dm_128mb_multiples
    if rule is None or not rule.value:
        return
    bad = [(name, getattr(vm, name)) for name in ("startup", "minimum", "maximum")]
    bad = [(name, value) for name, value in bad if value is not None and value % 128]
    if not bad:
        return
    parts = [f"{name} {vm.size(name)}" for name, _ in bad]
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    verb = "is not a multiple" if len(parts) == 1 else "are not multiples"
    yield bad[0][0], (
        f"{listed} {verb} of 128 MB, which Linux guests with dynamic memory need "
        f"(memory hot-add into {guest.name} may fail)"
    )
