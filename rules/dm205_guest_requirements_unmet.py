"""What it does
    Checks the virtual-machine requirements a guest OS states beyond memory sizes. Windows 11
    needs a generation 2 VM, at least 4 GB of memory (startup, which is what setup sees),
    Secure Boot, a virtual TPM and two or more virtual processors.

    Generation and startup are checked on every input. Secure Boot and the processor count
    are checked where the input carries them (VMCX exports: the firmware node's
    secure_boot_enabled and settings/processors/count). No input dmlint reads records whether
    a virtual TPM is enabled, and YAML and 2012 R2 XML exports carry none of the three: when
    DM205 reports a VM, its message says which of them were not checked.

Why it matters
    Windows 11's requirements for virtual machines: "Generation: 2", "Secure boot capable,
    virtual TPM enabled" (Hyper-V), "Memory: 4 GB or greater", "Processor: Two or more
    virtual processors"; "In-place upgrade of existing generation 1 VMs to Windows 11 isn't
    possible". Setup refuses to install or upgrade on a VM that lacks them, and a VM's
    generation cannot be changed after it is created.

Example
    vm:
      name: w11-01
      guest_os: win11
      generation: 1        # DM205: Windows 11 needs a generation 2 VM; this VM is generation 1
      memory:
        startup: 2GB       # DM205: startup 2GB (2048 MB) is below the 4096 MB Windows 11 requires in a VM

    Use instead: generation: 2 and startup: 4GB (with Secure Boot, a vTPM and 2 vCPUs).

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
    found = []
    need_gen = guest.requires_generation
    if need_gen is not None and vm.generation < need_gen:
        found.append(("generation", f"{guest.label} needs a generation {need_gen} VM; this VM is generation {vm.generation}"))
    need_ram = guest.requires_min_ram
    if need_ram is not None and vm.startup is not None and vm.startup < need_ram:
        found.append(("startup", f"startup {vm.size('startup')} is below the {need_ram} MB {guest.label} requires in a VM"))
    unchecked = []
    if guest.requires_secure_boot:
        if vm.secure_boot is None:
            unchecked.append("Secure Boot")
        elif not vm.secure_boot:
            found.append(("secure_boot", f"{guest.label} requires Secure Boot; it is off in this VM"))
    if guest.requires_tpm and vm.tpm is None:
        unchecked.append("TPM")
    elif guest.requires_tpm and not vm.tpm:
        found.append(("tpm", f"{guest.label} requires a virtual TPM; it is off in this VM"))
    need_cpus = guest.requires_processors
    if need_cpus is not None:
        if vm.processors is None:
            unchecked.append(f"{need_cpus} vCPUs")
        elif vm.processors < need_cpus:
            found.append(("processors", f"{guest.label} requires {need_cpus} or more virtual processors; this VM has {vm.processors}"))
    if unchecked:
        listed = unchecked[0] if len(unchecked) == 1 else ", ".join(unchecked[:-1]) + " and " + unchecked[-1]
        note = f"; {listed}: not checked (the input does not carry them)"
        found = [(fld, msg + note) for fld, msg in found]
    yield from found
