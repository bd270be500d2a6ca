"""What it does
    Reports a file that cannot be read or parsed: a YAML or XML syntax error, text that is
    not valid in its encoding, a truncated or corrupted VMCX file (bad signature, version,
    checksum, offset), an unreadable file, or a hostile document (YAML alias bomb, nesting
    far deeper than any configuration).

Why it matters
    A configuration dmlint cannot read is a configuration Hyper-V may not read either, and
    it is certainly one no rule has checked. The other files are still checked.

Example
    vm:
      name: web-01
      memory: {startup: 2GB     # DM001: flow mapping never closed

Source
    dmlint's own contract (SPEC §6: hostile input gets a finding in bounded time).
"""

ID = "DM001"
NAME = "unreadable-file"
SEVERITY = "error"
SUMMARY = "the file cannot be read or parsed (syntax, encoding, truncation, checksum)"
SOURCE = "https://yaml.org/spec/1.2.2/"
SCOPE = "input"
