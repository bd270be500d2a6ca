"""Issue 11 part 4: a suppression directive counts only inside a real comment token."""

from __future__ import annotations

import pytest
from conftest import check_json
from dmlint.readers import read_bytes
from dmlint.suppress import parse_directive

DM102 = "vm:\n  name: a\n  memory:\n    dynamic: true\n    startup: 1GB\n    minimum: 2GB\n    maximum: 4GB\n"
DM102_LINE = 6


def yaml_sup(text: str):
    result = read_bytes(text.encode("utf-8"), "t.yaml", "yaml")
    return result.line_suppressions, result.file_suppressions


@pytest.mark.parametrize(
    "notes",
    [
        '  notes: "ticket # dmlint: disable-file=all -- x"\n',
        "  notes: 'ticket # dmlint: disable-file=all'\n",
        "  notes: |\n    ticket\n    # dmlint: disable-file=all\n",
        "  notes: >-\n    folded\n\n    # dmlint: disable-file=all\n",
        '  notes: "multi\n    # dmlint: disable-file=all\n    line"\n',
        "  notes: ticket#dmlint:disable-file=all\n",  # no blank before '#': part of the plain scalar
        '  tags: ["# dmlint: disable-file=all"]\n',
        "  \"# dmlint: disable-file=all\": 1\n",  # a quoted key
    ],
    ids=["double-quoted", "single-quoted", "literal-block", "folded-block", "multi-line-quoted", "plain", "flow", "key"],
)
def test_a_directive_in_a_yaml_value_suppresses_nothing(write, notes):
    text = DM102.replace("  memory:\n", notes + "  memory:\n")
    assert yaml_sup(text) == ({}, set())
    _, findings = check_json(write("n.yaml", text))
    assert "DM102" in [f["rule"] for f in findings]


def test_real_yaml_comments_still_suppress():
    assert yaml_sup("# dmlint: disable-file=DM102 -- legacy\n" + DM102) == ({}, {"DM102"})
    same = DM102.replace("minimum: 2GB", "minimum: 2GB  # dmlint: disable=DM102 -- sized by the DBA")
    assert yaml_sup(same) == ({DM102_LINE: {"DM102"}}, set())  # trailing: this line only, not the next
    above = DM102.replace("    minimum: 2GB", "    # dmlint: disable=DM1,dm2 -- reason\n    minimum: 2GB")
    assert yaml_sup(above) == ({DM102_LINE: {"DM1", "DM2"}, DM102_LINE + 1: {"DM1", "DM2"}}, set())
    after_block = DM102.replace("  memory:\n", "  notes: |\n    text\n  # dmlint: disable-file=DM1\n  memory:\n")
    assert yaml_sup(after_block) == ({}, {"DM1"})  # a less-indented comment ends the block scalar
    after_flow = DM102.replace("  memory:\n", '  tags: ["a # b"]  # noqa # dmlint: disable-file=DM1\n  memory:\n')
    assert yaml_sup(after_flow) == ({}, {"DM1"})


def test_yaml_line_numbers_follow_libyaml_line_breaks():
    """libyaml counts NEL and LINE SEPARATOR as line breaks; so does the directive scan."""
    text = "# note\u2028" + DM102.replace("minimum: 2GB", "minimum: 2GB  # dmlint: disable=DM102")
    result = read_bytes(text.encode("utf-8"), "t.yaml", "yaml")
    assert result.line_suppressions == {DM102_LINE + 1: {"DM102"}}
    assert result.vms[0].loc("minimum").line == DM102_LINE + 1


def test_no_directive_after_a_yaml_scanner_error():
    text = 'vm:\n  name: a\n  notes: "unclosed\n# dmlint: disable-file=all\n'

    result = read_bytes(text.encode("utf-8"), "t.yaml", "yaml")
    assert [p.rule for p in result.problems] == ["DM001"]
    assert result.file_suppressions == set()
    before = "# dmlint: disable-file=DM001 -- generated\n" + text
    assert read_bytes(before.encode("utf-8"), "t.yaml", "yaml").file_suppressions == {"DM001"}


XML = (
    '<?xml version="1.0"?>\n<configuration>\n  <properties>\n    <name type="string">x</name>\n'
    '    <notes type="string">{notes}</notes>\n  </properties>\n  <settings><memory><bank>\n'
    '    <dynamic_memory_enabled type="bool">False</dynamic_memory_enabled>\n'
    '    <size type="integer">1025</size>{tail}\n  </bank></memory></settings>\n</configuration>\n'
)


@pytest.mark.parametrize(
    "notes",
    ["# dmlint: disable-file=all", "<![CDATA[<!-- dmlint: disable-file=all -->]]>", "&lt;!-- dmlint: disable-file=all --&gt;"],
    ids=["text-node", "cdata", "escaped-comment"],
)
def test_a_directive_in_an_xml_value_suppresses_nothing(write, notes):
    text = XML.format(notes=notes, tail="")
    result = read_bytes(text.encode(), "t.xml", "xml")
    assert (result.line_suppressions, result.file_suppressions) == ({}, set())
    _, findings = check_json(write("n.xml", text))
    assert [f["rule"] for f in findings] == ["DM105"]


def test_an_xml_attribute_is_not_a_comment(write):
    text = XML.format(notes="", tail="").replace('<name type="string">', '<name type="string" x="&lt;!-- dmlint: disable-file=all --&gt;">')
    result = read_bytes(text.encode(), "t.xml", "xml")
    assert result.file_suppressions == set()


def test_real_xml_comments_still_suppress():
    same = XML.format(notes="", tail=" <!-- dmlint: disable=DM105 -- reason -->")
    assert read_bytes(same.encode(), "t.xml", "xml").line_suppressions == {9: {"DM105"}}
    spec_form = XML.format(notes="", tail=" <!-- dmlint: disable=DM105 : reason -->")  # SPEC §4's XML form
    assert read_bytes(spec_form.encode(), "t.xml", "xml").line_suppressions == {9: {"DM105"}}
    above = XML.replace("    <size", "    <!-- other --> <!-- dmlint: disable=DM1 -->\n    <size").format(notes="", tail="")
    assert read_bytes(above.encode(), "t.xml", "xml").line_suppressions == {9: {"DM1"}, 10: {"DM1"}}
    multi = XML.format(notes="", tail="").replace("<configuration>", "<configuration>\n<!--\n  dmlint: disable-file=DM105 -- why\n-->")
    assert read_bytes(multi.encode(), "t.xml", "xml").file_suppressions == {"DM105"}


@pytest.mark.parametrize(
    "comment, expected",
    [
        (" dmlint: disable=DM102 -- reason", ("disable", {"DM102"})),
        (" dmlint:disable-file = dm1, DM2 ", ("disable-file", {"DM1", "DM2"})),
        (" dmlint: disable=DM105 : reason", ("disable", {"DM105"})),
        (" dmlint: disable=DM105 - reason", ("disable", {"DM105"})),  # `--` as the XML reader sees it
        (" noqa # dmlint: disable=ALL", ("disable", {"ALL"})),
        (" dmlint: disable=DM1" + " " * 500 + "!", None),  # the ReDoS line: not a directive
        (" dmlint: disable=", None),
        (" dmlint: enable=DM1", None),
        (" see dmlint: disable=DM1", None),
    ],
)
def test_parse_directive(comment, expected):
    assert parse_directive(comment) == expected
