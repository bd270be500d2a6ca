"""What it does
    Reports a size, percentage or unit that is not understood, negative, or implausible:
    `4 gigs`, `-512MB`, `1.3MB` (not whole MB), `512B` (a missing unit), or a number larger
    than any Hyper-V host holds (usually a byte count written where MB are expected).

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
"""

ID = "DM003"
NAME = "bad-unit"
SEVERITY = "error"
SUMMARY = "a size, percentage or unit is not understood, negative, or implausible"
SOURCE = "https://learn.microsoft.com/windows/win32/hyperv_v2/msvm-memorysettingdata"
SCOPE = "input"
