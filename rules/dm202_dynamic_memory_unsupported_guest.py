"""What it does
    Checks that Dynamic Memory is on only for guests that support it: not FreeBSD, not 32-bit
    Linux, not the Windows editions Microsoft leaves out (Windows 7 Starter, Home and
    Professional; Windows Server 2008 R2 Foundation; Windows Server 2012 / 2012 R2 Foundation).
    The edition and architecture come from the guest_os qualifiers (win7-professional,
    ubuntu18.04-i386); when an edition matters but is not given, the rule stays silent.

Why it matters
    Without the guest's Dynamic Memory driver (hot-add and ballooning) Hyper-V cannot give or
    take memory: the VM is stuck at its startup memory while the host counts it as dynamic,
    and the BPA reports "Dynamic Memory is enabled but not responding". Microsoft lists the
    supporting editions in the Dynamic Memory overview (for Windows 7: Enterprise and Ultimate
    only); its Linux pages say "Dynamic memory support is only available on 64-bit virtual
    machines"; its FreeBSD page lists no memory hot-add, ballooning or runtime resize support.

Example
    vm:
      name: kiosk-01
      guest_os: win7-professional
      memory:
        dynamic: true      # DM202: dynamic memory is on, but Windows 7 Professional does not support it
        startup: 2GB

    Use instead: dynamic: false (static memory), or an Enterprise/Ultimate edition.

Source
    https://learn.microsoft.com/previous-versions/windows/it-pro/windows-server-2012-R2-and-2012/hh831766(v=ws.11)
    https://learn.microsoft.com/windows-server/virtualization/hyper-v/supported-freebsd-virtual-machines-on-hyper-v
    https://learn.microsoft.com/windows-server/virtualization/hyper-v/supported-ubuntu-virtual-machines-on-hyper-v
"""

ID = "DM202"
NAME = "dynamic-memory-unsupported-guest"
SEVERITY = "error"
SUMMARY = "dynamic memory on for a guest OS, edition or architecture that does not support it"
SOURCE = "https://learn.microsoft.com/previous-versions/windows/it-pro/windows-server-2012-R2-and-2012/hh831766(v=ws.11)"
SCOPE = "vm"


def check(vm, ctx):
    if not vm.dynamic or vm.guest_os is None:
        return
    guest = ctx.catalog.guest(vm.guest_os)
    if guest is None:
        return
    support = guest.dynamic_memory
    if support.value is False:
        reason = f" ({support.reason})" if support.reason else ""
        yield "dynamic", f"dynamic memory is on, but {guest.label} does not support it{reason}"
