"""What it does
    Checks the virtual-machine requirements a guest OS states beyond memory sizes: Windows 11
    needs a generation 2 VM and at least 4 GB of memory (startup, which is what setup sees).

Why it matters
    Windows 11's requirements for virtual machines include generation 2 and 4 GB of RAM or
    more; "In-place upgrade of existing generation 1 VMs to Windows 11 isn't possible". Setup
    refuses to install or upgrade on a VM that lacks them, and a VM's generation cannot be
    changed after it is created.

Example
    vm:
      name: w11-01
      guest_os: win11
      generation: 1        # DM205: Windows 11 needs a generation 2 VM; this VM is generation 1
      memory:
        startup: 2GB       # DM205: startup 2GB (2048 MB) is below the 4096 MB Windows 11 requires in a VM

    Use instead: generation: 2 and startup: 4GB.

Source
    https://learn.microsoft.com/windows/whats-new/windows-11-requirements
"""

ID = "DM205"
NAME = "guest-requirements-unmet"
SEVERITY = "error"
SUMMARY = "guest OS needs what the VM lacks (e.g. Windows 11: generation 2 and at least 4 GB)"
SOURCE = "https://learn.microsoft.com/windows/whats-new/windows-11-requirements"
SCOPE = "vm"


def check(vm, ctx):
    if vm.guest_os is None:
        return
    guest = ctx.catalog.guest(vm.guest_os)
    if guest is None:
        return
    need_gen = guest.requires_generation
    if need_gen is not None and vm.generation < need_gen:
        yield "generation", f"{guest.label} needs a generation {need_gen} VM; this VM is generation {vm.generation}"
    need_ram = guest.requires_min_ram
    if need_ram is not None and vm.startup is not None and vm.startup < need_ram:
        yield "startup", f"startup {vm.size('startup')} is below the {need_ram} MB {guest.label} requires in a VM"
