"""What it does
    For a Windows guest with Dynamic Memory on, checks minimum >= 256 MB, startup >= 512 MB
    and maximum >= 512 MB: the floors of the Hyper-V Best Practices Analyzer rules
    "Configure at least the required amount of memory for a virtual machine running <OS> and
    enabled for Dynamic Memory". The BPA has these rules for Windows Vista, 7, 8, 8.1 and
    Windows Server 2008, 2008 R2, 2012 and 2012 R2 guests; dmlint applies them to the
    catalogue's Windows 7, 8, 8.1, Server 2008 R2, 2012 and 2012 R2 (later Windows has no
    such BPA rule, and DM201 covers its setup minimum). The BPA also has a lower floor for
    Windows Server 2003 guests (minimum memory "at least 128 MB"); 2003, Vista and 2008 are
    not in dmlint's guest catalogue, so neither that floor nor theirs is applied.

Why it matters
    The BPA reports these as errors: "The guest operating system ... might not run or might
    run unreliably" and asks to "increase the minimum memory to at least 256 MB, and the
    startup memory and maximum memory to at least 512 MB".

Example
    vm:
      name: legacy-01
      guest_os: win2k12r2
      memory:
        dynamic: true
        startup: 1GB
        minimum: 128MB     # DM206: minimum 128 MB is below the 256 MB the Hyper-V Best Practices
        maximum: 4GB       #        Analyzer requires for Windows Server 2012 R2 with dynamic memory

    Use instead: minimum: 256MB.

Source
    https://learn.microsoft.com/windows-server/virtualization/hyper-v/best-practices-analyzer/configure-at-least-the-required-amount-of-memory-for-windows-server-2012
"""

ID = "DM206"
NAME = "below-bpa-memory-floors"
SEVERITY = "error"
SUMMARY = "Windows guest with dynamic memory below the Best Practices Analyzer floors (minimum 256 MB, startup 512 MB, maximum 512 MB)"
SOURCE = "https://learn.microsoft.com/windows-server/virtualization/hyper-v/best-practices-analyzer/configure-at-least-the-required-amount-of-memory-for-windows-server-2012"
SCOPE = "vm"


def check(vm, ctx):
    if not vm.dynamic or vm.guest_os is None:
        return
    guest = ctx.catalog.guest(vm.guest_os)
    if guest is None or guest.family != "windows":
        return
    if guest.bpa_floors is None or not guest.bpa_floors.value:
        return
    floors = ctx.catalog.floors
    for field in ("minimum", "startup", "maximum"):
        value = getattr(vm, field)
        floor = floors.get(field)
        if value is not None and floor is not None and value < floor:
            yield field, (
                f"{field} {vm.size(field)} is below the {floor} MB the Hyper-V Best Practices Analyzer "
                f"requires for {guest.label} with dynamic memory"
            )
