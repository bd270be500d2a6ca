"""What it does
    Checks that the memory a VM can be given does not exceed what its guest OS can use: the
    maximum with Dynamic Memory on, the startup (the fixed size) with it off. The ceiling is
    per edition and architecture (Windows 7 Home Premium 16 GB, any 32-bit Windows 4 GB,
    Windows Server 2008 R2 Standard 32 GB, 32-bit Linux 64 GB with PAE ...). When the edition
    is not given, the largest edition's figure applies.

Why it matters
    The Dynamic Memory overview notes that a VM's maximum can be set up to the host's per-VM
    limit, but the VM can only use as much memory as its guest operating system supports.
    Memory above that ceiling is reserved or promised to a VM that can never use it, and it
    inflates capacity plans and the fleet pass.

Example
    vm:
      name: desk-01
      guest_os: win7-home-premium
      memory:
        startup: 32GB      # DM203: startup 32GB (32768 MB) is above the 16384 MB Windows 7 Home Premium can use

    Use instead: startup: 16GB.

Source
    https://learn.microsoft.com/windows/win32/memory/memory-limits-for-windows-releases
    https://learn.microsoft.com/windows-server/get-started/locks-limits
"""

ID = "DM203"
NAME = "maximum-above-guest-limit"
SEVERITY = "warning"
SUMMARY = "maximum above what the guest OS can use"
SOURCE = "https://learn.microsoft.com/windows/win32/memory/memory-limits-for-windows-releases"
SCOPE = "vm"


def check(vm, ctx):
    if vm.guest_os is None:
        return
    field = "maximum" if vm.dynamic else "startup"
    value = getattr(vm, field)
    if value is None:
        return
    guest = ctx.catalog.guest(vm.guest_os)
    if guest is None:
        return
    limit = guest.max_ram.value
    if limit is not None and value > limit:
        yield field, f"{field} {vm.size(field)} is above the {limit} MB {guest.label} can use"
