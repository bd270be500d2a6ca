"""What it does
    Checks that the VM's guest_os names an operating system in dmlint's guest OS catalogue:
    a libosinfo short-id (win2k19, ubuntu22.04, rhel9.4, sle15sp5, freebsd13.2) or an alias
    ("Windows Server 2019", "RHEL 9"), optionally followed by an installation option (core,
    desktop, server), an architecture (x86, 32-bit, i686, x64) or an edition (professional,
    enterprise, datacenter ...). Case, spaces, hyphens and underscores do not matter. When the
    name is unknown it suggests the nearest ids; when a qualifier does not exist for that OS
    (win2k19-professional) it lists the ones that do.

Why it matters
    Every guest OS rule (DM201-DM206) needs to know the guest: its minimum memory for setup,
    whether it supports Dynamic Memory, how much memory it can use. A misspelt id silently
    switches all of them off.

Example
    vm:
      name: web-01
      guest_os: win2019        # DM004: guest OS 'win2019' is not in the catalogue (did you mean 'win2k19'?)
      memory:
        startup: 4GB

    Use instead: guest_os: win2k19 (or "Windows Server 2019").

Source
    https://gitlab.com/libosinfo/osinfo-db (the short-id naming scheme dmlint follows)
"""

ID = "DM004"
NAME = "unknown-guest-os"
SEVERITY = "warning"
SUMMARY = "the guest OS id is not in the catalogue (suggests the nearest ids)"
SOURCE = "https://gitlab.com/libosinfo/osinfo-db"
SCOPE = "vm"


def check(vm, ctx):
    if vm.guest_os is None:
        return
    guest, problem = ctx.catalog.resolve(vm.guest_os)
    if guest is None:
        yield "guest_os", problem
