"""What it does
    Checks that a VM's startup memory is at least the minimum RAM its guest OS needs to
    install (from the guest OS catalogue, by installation option and architecture). For
    Windows Server 2016 and later, which differ by installation option, the Desktop Experience
    figure (2 GB) applies unless guest_os says core (win2k19-core: 1 GB; win2k25-core: 2 GB).
    Windows Server 2012 R2 takes 1 GB: its documented 512 MB minimum is known to fail setup
    in a VM (KB2901152).

Why it matters
    Microsoft's Dynamic Memory overview: when installing or upgrading the operating system of
    a virtual machine, the memory available during setup "is the value specified as Startup
    RAM", even with Dynamic Memory on. A startup below the OS's minimum makes setup or an in-place upgrade
    fail (for example a 2022 to 2025 upgrade failing at 512 MB), however high the maximum is.
    Where the OS has a stricter virtual-machine requirement (Windows 11: 4 GB) DM205 reports
    it instead, so the finding is not doubled.

Example
    vm:
      name: app-01
      guest_os: win2k19
      memory:
        dynamic: true
        startup: 1GB       # DM201: startup 1GB (1024 MB) is below the 2048 MB Windows Server 2019
        minimum: 512MB     #        (Desktop Experience) needs to install ...
        maximum: 8GB

    Use instead: startup: 2GB, or guest_os: win2k19-core for a Server Core installation.

Source
    https://learn.microsoft.com/previous-versions/windows/it-pro/windows-server-2012-R2-and-2012/hh831766(v=ws.11)
    https://learn.microsoft.com/windows-server/get-started/hardware-requirements
    and the per-OS sources recorded in rules/data/guest_os.yaml
"""

ID = "DM201"
NAME = "startup-below-guest-minimum"
SEVERITY = "error"
SUMMARY = "startup below the guest OS's minimum RAM for install and upgrade"
SOURCE = "https://learn.microsoft.com/previous-versions/windows/it-pro/windows-server-2012-R2-and-2012/hh831766(v=ws.11)"
SCOPE = "vm"


def check(vm, ctx):
    if vm.guest_os is None or vm.startup is None:
        return
    guest = ctx.catalog.guest(vm.guest_os)
    if guest is None:
        return
    need = guest.min_install_ram.value
    if need is None or vm.startup >= need:
        return
    if guest.requires_min_ram is not None and guest.requires_min_ram >= need:
        return  # DM205 reports the (equal or stricter) virtual-machine requirement
    message = (
        f"startup {vm.size('startup')} is below the {need} MB {guest.label} needs to install; "
        "setup and upgrades run with startup memory only, even with dynamic memory on"
    )
    if not guest.option_given:
        fits = [(opt, mb) for opt, mb in guest.other_options if mb is not None and mb <= vm.startup]
        if fits:
            opt, mb = fits[0]
            label = ctx.catalog.option_label(opt, guest.family)
            message += f" (for {label}, {mb} MB, name the guest OS {guest.id}-{opt})"
    yield "startup", message
