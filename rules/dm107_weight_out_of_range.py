"""What it does
    Checks that the memory weight is between 0 and 100, the scale of Set-VMMemory
    -Priority, Hyper-V Manager and dmlint's YAML. When the value fits the 0-10000 scale of
    WMI and Hyper-V's XML exports (where weight = Priority x 100, default 5000), the message
    says so and gives the converted weight.

Why it matters
    Set-VMMemory -Priority: "Allowed values range from 0 to 100." A larger value is refused
    by every tool that writes the 0-100 scale (PowerShell, Ansible's hv_memory priority).
    The usual cause is a raw WMI or XML value (5000) pasted where a priority (50) belongs.

    Weight is checked whether or not Dynamic Memory is on: the tools refuse an
    out-of-range priority either way. For Hyper-V XML/VMCX exports the reader has already
    converted the file's 0-10000 priority to a weight, so the hint about the WMI scale is
    not given there; the finding says the export's priority is above 10000 instead.

Example
    vm:
      name: sql-02
      memory:
        dynamic: true
        startup: 4GB
        minimum: 2GB
        maximum: 16GB
        weight: 5000     # DM107: weight 5000 is outside 0-100; it looks like the 0-10000 WMI scale: 5000 is weight 50

    Use instead: weight: 50.

Source
    https://learn.microsoft.com/powershell/module/hyper-v/set-vmmemory
    https://learn.microsoft.com/windows/win32/hyperv_v2/msvm-memorysettingdata
    (the ranges live in rules/data/hyperv_versions.yaml, global.weight and global.wmi_weight_scale)
"""

ID = "DM107"
NAME = "weight-out-of-range"
SEVERITY = "error"
SUMMARY = "weight outside 0-100 (says so when it looks like the 0-10000 WMI scale)"
SOURCE = "https://learn.microsoft.com/powershell/module/hyper-v/set-vmmemory"
SCOPE = "vm"


def check(vm, ctx):
    weight = vm.weight
    if weight is None or isinstance(weight, bool):
        return
    lim = ctx.limits
    if lim.weight_min <= weight <= lim.weight_max:
        return
    message = f"weight {weight} is outside {lim.weight_min}-{lim.weight_max}"
    factor = lim.wmi_weight_factor
    if vm.fmt in ("xml", "vmcx"):
        # the reader already divided the export's 0-10000 priority by 100
        message += f" (the export's priority is above {lim.wmi_weight_max}, the top of its 0-{lim.wmi_weight_max} scale)"
    elif lim.weight_max < weight <= lim.wmi_weight_max:
        if weight % factor == 0:
            message += f"; it looks like the 0-{lim.wmi_weight_max} WMI scale: {weight} is weight {weight // factor}"
        else:
            message += f"; if it is on the 0-{lim.wmi_weight_max} WMI scale, {weight} is about weight {round(weight / factor)}"
    yield "weight", message
