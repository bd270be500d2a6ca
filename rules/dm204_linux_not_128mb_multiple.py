"""What it does
    For a Linux guest with Dynamic Memory on, checks that startup, minimum and maximum are
    multiples of 128 MB, and names every value that is not.

Why it matters
    Microsoft's pages on Linux guests: with Dynamic Memory, "specify Startup memory, Minimum
    memory, and Maximum memory parameters in multiples of 128 megabytes (MB). Failure to do
    so can lead to Hot-Add failures, and you might not see any memory increase on a guest
    operating system." Linux onlines hot-added memory in 128 MB sections.

Scope
    Microsoft states the rule with different reach on different pages: the older Ubuntu and
    SUSE notes for Windows Server 2012 to 2019 hosts, the current RHEL page "If you're using
    Dynamic Memory on Windows Server" (every host version), and Feature Descriptions calls it
    "a best practice". dmlint applies it to every Linux guest on every host version.

    The reason is the guest's hv_balloon driver: before the May 2024 kernel change "Enable
    hot-add for memblock sizes > 128 MiB" it hot-adds fixed 128 MiB chunks, and when the
    kernel's memory block is larger than 128 MiB (x86-64 uses 2 GiB blocks from 64 GiB of RAM
    up) hot-add fails outright. Above 64 GiB, 128 MB multiples are therefore necessary but not
    sufficient on such kernels; the message says so when the VM reaches that size.

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
# x86-64 Linux switches to 2 GiB memory blocks from 64 GiB of RAM (arch/x86/mm/init_64.c,
# probe_memory_block_size); hv_balloon before the May 2024 change hot-adds only 128 MiB chunks
LARGE_MB = 65536


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
    message = (
        f"{listed} {verb} of 128 MB, which Linux guests with dynamic memory need "
        f"(memory hot-add into {guest.name} may fail)"
    )
    if max(v for v in (vm.startup, vm.maximum) if v is not None) > LARGE_MB:
        message += (
            "; above 64 GiB, kernels without the 2024 hv_balloon memory-block change "
            "cannot hot-add whatever the alignment"
        )
    yield bad[0][0], message
