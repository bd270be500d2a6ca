"""What it does
    Reports content that does not match the input format: an unknown key (typos such as
    `maxmimum` included, with the nearest known key suggested), a value of the wrong type,
    a missing required value, or a VM or host name used twice.

Why it matters
    A misspelt key is silently ignored by most tools, so the setting the author meant never
    takes effect. Duplicate names make the fleet pass place the wrong VM on the wrong host.

Example
    vm:
      name: sql-01
      memory:
        startup: 4GB
        maxmimum: 16GB     # DM002: unknown key 'maxmimum' (did you mean 'maximum'?)

Source
    The input format's JSON Schema, printed by `dmlint schema input`.
"""

ID = "DM002"
NAME = "invalid-content"
SEVERITY = "error"
SUMMARY = "content does not match the format: unknown key, wrong type, missing value, duplicate name"
SOURCE = "https://json-schema.org/draft/2020-12/json-schema-validation"
SCOPE = "input"
