"""What it does
    Checks that memory sizes are whole multiples of 2 MB: startup always, minimum and
    maximum when Dynamic Memory is on.

Why it matters
    Hyper-V refuses memory values that are not 2 MB aligned. Setting 9001 MB fails with:

        Failed to modify device 'Memory'. Invalid memory value assigned for '<vm>'.
        Memory values must be properly aligned. ... The memory value assigned ('9001' MB)
        is not properly aligned. Try again with a memory value that is properly aligned.

    (reported in https://github.com/kubernetes/minikube/issues/16592, and with '4019' MB
    in #6973). Microsoft's own hcsshim rounds memory up because "Hyper-V only supports 2MB
    aligned memory sizes" (https://github.com/microsoft/hcsshim/pull/589).

    Static VMs (dynamic memory off) have only their startup memory checked: their minimum
    and maximum are leftovers Hyper-V ignores.

Example
    vm:
      name: build-01
      memory:
        startup: 4019    # DM105: startup 4019 MB is not a multiple of 2 MB (use 4018 or 4020 MB)

    Use instead: startup: 4020 (or 4GB).

Source
    https://github.com/kubernetes/minikube/issues/16592
    (the figure lives in rules/data/hyperv_versions.yaml, global.memory_alignment_mb)
"""

ID = "DM105"
NAME = "not-2mb-aligned"
SEVERITY = "error"
SUMMARY = "a memory value that is not a multiple of 2 MB (Hyper-V refuses it)"
SOURCE = "https://github.com/kubernetes/minikube/issues/16592"
SCOPE = "vm"


def check(vm, ctx):
    step = ctx.limits.alignment_mb
    fields = ("startup", "minimum", "maximum") if vm.dynamic else ("startup",)
    for fld in fields:
        value = getattr(vm, fld)
        if value is None or value % step == 0:
            continue
        below = value - value % step
        above = below + step
        hint = f"use {below} or {above} MB" if below > 0 else f"use {above} MB"
        yield fld, f"{fld} {vm.size(fld)} is not a multiple of {step} MB; Hyper-V refuses unaligned memory ({hint})"
