"""What it does
    Warns when a VMCX file's replay log holds entries that were never applied to its key
    tables: the file was copied while Hyper-V was writing it, and the values read may not
    be the ones the host uses.

Why it matters
    dmlint reads the key tables. A pending log entry means the truth is partly in the log,
    so a finding (or its absence) may rest on stale values. Export the VM again from a
    quiet host, or copy the file while the VM's configuration is not being changed.

Example
    Virtual Machines/1A2B....vmcx: DM005 the replay log holds 3 pending entries

Source
    The VMCX layout (shared/formats/vmcx.md §5, replay log), checked on real files.
"""

ID = "DM005"
NAME = "stale-values"
SEVERITY = "warning"
SUMMARY = "the values may be stale: a VMCX file with pending replay-log entries"
SOURCE = "https://learn.microsoft.com/windows-server/virtualization/hyper-v/deploy/upgrade-virtual-machine-version-in-hyper-v-on-windows-or-windows-server"
SCOPE = "input"
