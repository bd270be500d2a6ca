"""Guest OS and host for exports (SPEC §2.4): the `mappings` option of the configuration.

Hyper-V exports (XML and VMCX) carry no guest OS and no host, so the guest-OS rules
(DM201-DM206) and the fleet pass (DM3xx) would have nothing to work with. Two ways give them:

1. a token in the VM's notes, `guest_os=win2k19 host=hv-07` (read by
   dmlint.readers.hyperv_config.parse_notes), and
2. a mapping in the configuration, applied here:

       mappings:
         - path: "exports/hv-07/**"    # glob over the file's path as dmlint shows it
           host: hv-07
         - vm: "sql-*"                 # glob over the VM name
           guest_os: win2k19
         - path: "exports/**"
           vm: "web-*"                 # both given: both must match
           guest_os: ubuntu22.04

Rules of precedence (documented in docs/exports.md):

- A value already on the record wins: the notes token (or, for YAML records, the `guest_os`
  and `host` keys) is closer to the VM than a glob in a config file, and a mapping only fills
  a field that is still None.
- For each field separately, the first entry that matches the VM and gives that field wins:
  an entry with only `host` does not stop a later entry from giving `guest_os`.
- Globs are shell-style (fnmatch: `*`, `?`, `[...]`; `*` also crosses `/`, so `**` works
  as expected) and compared case-insensitively, since Windows paths and Hyper-V VM names
  are case-insensitive. A path glob matches the whole shown path or any trailing part of it
  (`Virtual Machines/*.xml` matches `exports/a/Virtual Machines/x.xml`), as per-file-ignores do.

Mappings apply to every record, not only exports, but only ever to fields that are unset.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

FIELDS = ("guest_os", "host")


def _path_matches(path: str, pattern: str) -> bool:
    path = path.replace("\\", "/").lower()
    pattern = pattern.replace("\\", "/").lower()
    return fnmatchcase(path, pattern) or fnmatchcase(path, f"*/{pattern}")


def entry_matches(vm, entry: dict) -> bool:
    """Does a mapping entry match this VM? An entry names a path glob, a VM glob, or both."""
    path_glob = entry.get("path")
    vm_glob = entry.get("vm")
    if not isinstance(path_glob, str) and not isinstance(vm_glob, str):
        return False
    if isinstance(path_glob, str) and not _path_matches(vm.source.path, path_glob):
        return False
    if isinstance(vm_glob, str) and not fnmatchcase(vm.name.lower(), vm_glob.lower()):
        return False
    return True


def apply_mappings(vms, mappings) -> None:
    """Fill each VM's guest_os and host from the first matching mapping entry, where still None."""
    entries = [e for e in (mappings or []) if isinstance(e, dict)]
    if not entries:
        return
    for vm in vms:
        missing = [f for f in FIELDS if getattr(vm, f, None) is None]
        if not missing:
            continue
        for entry in entries:
            if not missing:
                break
            if not entry_matches(vm, entry):
                continue
            for field in list(missing):
                value = entry.get(field)
                if isinstance(value, str) and value.strip():
                    setattr(vm, field, value.strip())
                    missing.remove(field)
