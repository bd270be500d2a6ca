"""Fuzz targets for the hostile-input holes of the XML and YAML readers (issue 12).

The default run is derandomized with a small budget, so CI is deterministic. A longer random
run, for a developer hunting for new holes:

    DMLINT_FUZZ_EXAMPLES=20000 python -m pytest -q tests/test_fuzz_readers.py
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dmlint.model import ParseResult
from dmlint.readers import hyperv_xml, read_bytes
from dmlint.suppress import parse_directive

_LONG = int(os.environ.get("DMLINT_FUZZ_EXAMPLES", "0"))


def budget(n: int):
    if _LONG:
        return settings(max_examples=_LONG, deadline=None, suppress_health_check=list(HealthCheck))
    return settings(max_examples=n, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


SENTINEL = "/nonexistent/dmlint-sentinel.dtd"  # a load libxml2 asks for reaches the deny resolver first

_PROLOG_PIECES = [
    "<!-- <!DOCTYPE a> -->", "<?pi <!DOCTYPE b> ?>", "<![CDATA[<!DOCTYPE c>]]>", "<!---->", "<!-- ]> -->", "\n", " ",
    f'<!DOCTYPE configuration SYSTEM "{SENTINEL}">',
    f'<!DOCTYPE configuration [<!ENTITY % p SYSTEM "{SENTINEL}"> %p;]>',
    f'<!DOCTYPE configuration [<!-- ]> --><!ENTITY % p SYSTEM "file://{SENTINEL}"> %p;]>',
    '<!DOCTYPE configuration [<!ENTITY x "y">]>', "<!DOCTYPE configuration>", "<!-- -- -->", "<!--",
]
_BODY = ('<configuration><properties><name type="string">f</name><notes type="string">{notes}</notes></properties>'
         '<settings><memory><bank><size type="integer">1024</size></bank></memory></settings></configuration>\n')
_NOTES = ["", "&x;", "&lt;!DOCTYPE z&gt;", "<![CDATA[<!DOCTYPE q [<!ENTITY % r SYSTEM 'x'> %r;]>]]>", "# dmlint: disable-file=all"]


@budget(300)
@given(st.lists(st.sampled_from(_PROLOG_PIECES), max_size=6), st.sampled_from(_NOTES),
       st.sampled_from(["utf-8", "utf-16", "utf-16-be"]), st.booleans())
def test_xml_prolog_shapes(pieces, notes, encoding, decl):
    """Whatever comments, PIs, CDATA and DOCTYPEs precede the root, in any encoding: the reader
    never raises, never lets libxml2 load anything, refuses every DOCTYPE libxml2 would see,
    and reads the VM when there is none."""
    text = ('<?xml version="1.0"?>\n' if decl else "") + "".join(pieces) + "\n" + _BODY.format(notes=notes)
    data = text.encode(encoding) if encoding == "utf-8" else ("\ufeff" + text).encode(encoding)
    result = hyperv_xml.read(data, "f.xml")
    assert isinstance(result, ParseResult)
    assert hyperv_xml._DENY.asked == []
    assert all(p.rule in ("DM001", "DM002", "DM003") for p in result.problems)
    if result.vms:  # read as a VM: there was no DOCTYPE where libxml2 looks for one
        assert result.problems == [] or all(p.rule != "DM001" for p in result.problems)
        root = hyperv_xml._parse(hyperv_xml._tolerate_comments(hyperv_xml._to_utf8(data)))
        assert root.getroottree().docinfo.internalDTD is None and not root.getroottree().docinfo.doctype
    assert result.file_suppressions == set()  # the notes never switch rules off


_IDS = st.lists(st.sampled_from(["DM1", "DM102", "all", "dm2", "DM105"]), min_size=1, max_size=3).map(",".join)


def _in_value(kind: str, directive: str) -> str:
    if kind == "double":
        return '"x ' + directive.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if kind == "single":
        return "'x " + directive.replace("'", "''") + "'"
    if kind == "literal":
        return "|\n    x\n    " + directive
    if kind == "folded":
        return ">\n    x\n\n    " + directive
    return '"multi\n    ' + directive.replace('"', '\\"') + '\n    line"'


@budget(300)
@given(st.sampled_from(["disable", "disable-file"]), _IDS, st.sampled_from(["double", "single", "literal", "folded", "multi"]),
       st.sampled_from(["", " -- why", " : why"]), st.booleans())
def test_yaml_directives_only_from_comments(kind, ids, where, reason, with_comment):
    """A directive inside any kind of YAML scalar never suppresses; the same directive in a
    real comment does, on the line libyaml gives it."""
    directive = f"# dmlint: {kind}={ids}{reason}"
    text = "vm:\n  name: a\n  notes: " + _in_value(where, directive) + "\n  memory:\n    startup: 1GB\n"
    if with_comment:
        text += directive + "\n"
    result = read_bytes(text.encode("utf-8"), "f.yaml", "yaml")
    assert [p.rule for p in result.problems] == []
    expected_ids = {i.upper() for i in ids.split(",")}
    line = text.count("\n")  # the comment is the last line
    if not with_comment:
        assert (result.line_suppressions, result.file_suppressions) == ({}, set())
    elif kind == "disable-file":
        assert (result.line_suppressions, result.file_suppressions) == ({}, expected_ids)
    else:
        assert result.file_suppressions == set()
        assert result.line_suppressions == {line: expected_ids, line + 1: expected_ids}


@budget(300)
@given(st.text(alphabet=" \t#-:=,dmlintisabefDM0123456789!\u00e9", max_size=80))
def test_parse_directive_on_any_text(comment):
    """Fuzz target (see the module docstring for a longer run): never raises, and what it finds
    is upper-case IDs of the allowed characters."""
    found = parse_directive(comment)
    if found is not None:
        kind, ids = found
        assert kind in ("disable", "disable-file") and ids
        assert all(i and i == i.upper() and set(i) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") for i in ids)
