"""What it does
    Reports a size, percentage or unit that is not understood, negative, or implausible:
    `4 gigs`, `-512MB`, `1.3MB` (not whole MB), `512B` (a missing unit), or a number larger
    than any Hyper-V host holds (usually a byte count written where MB are expected).
    A VM size in MB above what any Hyper-V version gives a VM (240 TB) that is a whole
    number of MiB when read as bytes gets the byte-count reading (`startup: 4294967296`:
    "if it is a byte count, that is 4096 MB"). A host whose memory is below what Hyper-V
    needs (4 GB) is a unit slip too (`memory: 64`: "did you mean 64GB?"); that host is left
    out of the fleet pass, so the slip is one finding, not a cascade of DM301-DM306.

Why it matters
    Hyper-V counts memory in MB (`Msvm_MemorySettingData` units are "byte * 2^20");
    PowerShell's `-MinimumBytes 512` silently sets 512 *bytes*. A unit slip is the most
    common way a memory setting goes wrong by a factor of 1024.

Example
    vm:
      name: app-01
      memory:
        startup: 4 gigs    # DM003: unknown unit 'gigs'

Source
    https://learn.microsoft.com/windows/win32/hyperv_v2/msvm-memorysettingdata
    https://learn.microsoft.com/windows-server/virtualization/hyper-v/system-requirements-for-hyper-v-on-windows
    (host floor with its source: rules/data/hyperv_host.yaml; VM limits: rules/data/hyperv_versions.yaml)
"""

ID = "DM003"
NAME = "bad-unit"
SEVERITY = "error"
SUMMARY = "a size, percentage or unit is not understood, negative, or implausible"
SOURCE = "https://learn.microsoft.com/windows/win32/hyperv_v2/msvm-memorysettingdata"
SCOPE = "input"
