"""The Hyper-V XML reader: the real sample, encodings, values, locations, hostile input, fuzzing."""

from __future__ import annotations

import codecs
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import check_json, shared_path
from dmlint.model import ParseResult
from dmlint.readers import hyperv_xml

SAMPLE = ("samples", "xml", "packer-templates", "Virtual Machines", "vm.XML")


def export(bank: str = None, properties: str = None, decl: str = '<?xml version="1.0" encoding="UTF-16" standalone="yes"?>', extra: str = "") -> str:
    """A small export in Hyper-V's shape; line 4 is the first property, line 12 the first bank element."""
    if properties is None:
        properties = (
            '    <name type="string">t-vm</name>\n'
            '    <notes type="string"></notes>\n'
            '    <subtype type="integer">1</subtype>\n'
            '    <version type="integer">1280</version>\n'
        )
    if bank is None:
        bank = (
            '        <dynamic_memory_enabled type="bool">True</dynamic_memory_enabled>\n'
            '        <limit type="integer">4096</limit>\n'
            '        <priority type="integer">5000</priority>\n'
            '        <reservation type="integer">512</reservation>\n'
            '        <size type="integer">1024</size>\n'
            '        <target_memory_buffer type="integer">20</target_memory_buffer>\n'
        )
    return (
        f"{decl}\n"
        "<configuration>\n"
        "  <properties>\n"
        f"{properties}"
        "  </properties>\n"
        "  <settings>\n"
        "    <memory>\n"
        "      <bank>\n"
        f"{bank}"
        "      </bank>\n"
        "    </memory>\n"
        "  </settings>\n"
        f"{extra}"
        "</configuration>\n"
    )


def utf16(text: str) -> bytes:
    return codecs.BOM_UTF16_LE + text.replace("\n", "\r\n").encode("utf-16-le")


def read(data, name="t.xml") -> ParseResult:
    if isinstance(data, str):
        data = data.encode("utf-8")
    result = hyperv_xml.read(data, name)
    assert isinstance(result, ParseResult)
    return result


def only_vm(result):
    assert result.ours
    assert len(result.vms) == 1, result.problems
    return result.vms[0]


def rules_of(result):
    return [p.rule for p in result.problems]


# --- the real sample ---------------------------------------------------------------------


def test_real_sample_values():
    path = shared_path(*SAMPLE)
    result = read(path.read_bytes(), "vm.XML")
    assert result.problems == []
    vm = only_vm(result)
    assert vm.name == "2012R2"
    assert vm.fmt == "xml"
    assert vm.generation == 1
    assert vm.config_version == "5.0"
    assert vm.dynamic is False
    assert vm.startup == 1024
    assert (vm.minimum, vm.maximum) == (512, 1048576)  # leftovers of a static VM
    assert (vm.buffer, vm.weight) == (20, 50)
    assert vm.clustered is False
    assert vm.notes is None and vm.guest_os is None and vm.host is None
    # locations point at the elements holding the values
    assert (vm.loc("startup").line, vm.loc("startup").column) == (402, 9)
    assert (vm.loc("name").line, vm.loc("name").column) == (386, 5)
    assert (vm.loc("dynamic").line, vm.loc("dynamic").column) == (398, 9)
    assert vm.loc("config_version").line == 390
    assert vm.loc("weight").line == 400


def test_real_sample_has_no_finding_through_the_cli():
    path = shared_path(*SAMPLE)
    code, findings = check_json(path)
    assert findings == []
    assert code == 0


def test_real_sample_reencoded_as_utf16_reads_the_same():
    raw = shared_path(*SAMPLE).read_bytes()
    text = raw.decode("ascii")
    for data in (utf16(text), codecs.BOM_UTF16_BE + text.encode("utf-16-be"), text.encode("utf-16-le")):
        vm = only_vm(read(data))
        assert (vm.name, vm.startup, vm.config_version) == ("2012R2", 1024, "5.0")
        assert vm.loc("startup").line == 402


# --- encodings ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda t: utf16(t), id="utf16-le-bom-crlf"),
        pytest.param(lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"), id="utf16-be-bom"),
        pytest.param(lambda t: t.encode("utf-16-le"), id="utf16-le-no-bom"),
        pytest.param(lambda t: t.encode("utf-16-be"), id="utf16-be-no-bom"),
        pytest.param(lambda t: codecs.BOM_UTF8 + t.encode("utf-8"), id="utf8-bom-declaring-utf16"),
        pytest.param(lambda t: t.encode("utf-8"), id="utf8-declaring-utf16"),
        pytest.param(lambda t: codecs.BOM_UTF32_LE + t.encode("utf-32-le"), id="utf32-le-bom"),
    ],
)
def test_encodings_are_detected_from_the_bytes(encode):
    text = export(properties='    <name type="string">Zürich-01</name>\n    <notes type="string">guest_os=win2k19</notes>\n')
    vm = only_vm(read(encode(text)))
    assert vm.name == "Zürich-01"
    assert vm.guest_os == "win2k19"
    assert vm.startup == 1024
    assert vm.loc("startup").line == 14


def test_single_byte_code_page_named_in_the_declaration():
    text = export(decl='<?xml version="1.0" encoding="windows-1252"?>', properties='    <name type="string">caf\xe9</name>\n')
    vm = only_vm(read(text.encode("cp1252")))
    assert vm.name == "caf\xe9"


def test_invalid_utf8_without_bom_is_dm001_with_position():
    text = export(decl='<?xml version="1.0" encoding="UTF-16"?>', properties='    <name type="string">caf\xe9</name>\n')
    result = read(text.encode("latin-1"))
    assert rules_of(result) == ["DM001"]
    problem = result.problems[0]
    assert "byte 0xe9" in problem.message and "UTF-16" in problem.message
    assert problem.location.line == 4
    assert result.vms == []


def test_utf16_bom_with_odd_length_is_dm001():
    data = utf16(export()) + b"\x00"
    result = read(data)
    assert rules_of(result) == ["DM001"]
    assert "UTF-16" in result.problems[0].message


def test_utf8_bytes_behind_a_utf16_bom_are_dm001():
    data = codecs.BOM_UTF16_LE + export().encode("utf-8")  # a tool that stamped the wrong BOM
    result = read(data)
    assert rules_of(result) == ["DM001"]
    assert result.vms == []


def test_utf16_with_lone_surrogate_is_dm001():
    data = codecs.BOM_UTF16_LE + "<configuration>".encode("utf-16-le") + b"\x00\xd8" + "</configuration>".encode("utf-16-le")
    result = read(data)
    assert rules_of(result) == ["DM001"]


# --- what is ours ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        '<?xml version="1.0"?><project><modelVersion>4.0.0</modelVersion></project>',
        '<?xml version="1.0"?><configuration><appSettings><add key="a" value="b"/></appSettings></configuration>',
        '<configuration><properties><name type="string">x</name></properties></configuration>',
        '<configuration><settings/></configuration>',
        '<c:configuration xmlns:c="urn:x"><c:properties/><c:settings/></c:configuration>',
    ],
    ids=["pom", "dotnet-app-config", "no-settings", "no-properties", "namespaced"],
)
def test_other_xml_is_skipped_silently(text):
    result = read(text)
    assert result.ours is False
    assert result.vms == [] and result.problems == []


def test_any_doctype_is_refused_but_notes_naming_one_are_not():
    """Hyper-V writes no DOCTYPE: even a harmless-looking one is refused (no DTD reaches libxml2)."""
    props = '    <name type="string">t</name>\n    <notes type="string">SYSTEM PUBLIC &lt;!DOCTYPE x&gt; <![CDATA[<!DOCTYPE y>]]></notes>\n'
    for doctype in ("<!DOCTYPE configuration>", "<!DOCTYPE configuration [<!ELEMENT configuration ANY>]>"):
        result = read(export(decl=f'<?xml version="1.0"?>\n{doctype}', properties=props))
        assert rules_of(result) == ["DM001"] and result.problems[0].location.line == 2
        assert result.problems[0].message.startswith("refused: the DOCTYPE is not read")
    vm = only_vm(read(export(properties=props)))
    assert vm.notes == "SYSTEM PUBLIC <!DOCTYPE x> <!DOCTYPE y>"


# --- values and defaults -----------------------------------------------------------------


def test_dynamic_values_and_locations():
    vm = only_vm(read(export()))
    assert (vm.dynamic, vm.minimum, vm.startup, vm.maximum) == (True, 512, 1024, 4096)
    assert (vm.generation, vm.config_version) == (2, "5.0")
    assert vm.loc("dynamic").line == 12
    assert vm.loc("maximum").line == 13
    assert vm.loc("weight").line == 14
    assert vm.loc("minimum").line == 15
    assert vm.loc("startup").line == 16
    assert vm.loc("buffer").line == 17
    assert vm.loc("startup").column == 9
    assert vm.source.line == 2


def test_packer_box_xml_gets_hyperv_defaults():
    """Packer's box.xml: only four memory elements, no version, notes under <configuration>."""
    bank = (
        '        <dynamic_memory_enabled type="bool">True</dynamic_memory_enabled>\n'
        '        <limit type="integer">4096</limit>\n'
        '        <reservation type="integer">512</reservation>\n'
        '        <size type="integer">2048</size>\n'
    )
    props = '    <subtype type="integer">1</subtype>\n    <name type="string">box</name>\n'
    text = export(bank=bank, properties=props, decl='<?xml version="1.0" ?>', extra='  <notes type="string">guest_os=ubuntu22.04 host=hv-01</notes>\n')
    result = read(text)
    assert result.problems == []
    vm = only_vm(result)
    assert (vm.buffer, vm.weight, vm.dynamic, vm.clustered) == (20, 50, True, False)
    assert vm.config_version is None
    assert (vm.guest_os, vm.host) == ("ubuntu22.04", "hv-01")
    assert vm.loc("guest_os").line == vm.loc("host").line == 17
    assert "buffer" not in vm.where  # a default points at the record, not at a line


def test_bool_and_type_spellings():
    bank = '        <dynamic_memory_enabled type="boolean">TRUE</dynamic_memory_enabled>\n        <size type="integer"> 2048 </size>\n'
    props = '    <name type="string">t</name>\n    <highly_available type="bool">true</highly_available>\n'
    vm = only_vm(read(export(bank=bank, properties=props)))
    assert vm.dynamic is True and vm.clustered is True and vm.startup == 2048


def test_missing_subtype_means_generation_1():
    vm = only_vm(read(export(properties='    <name type="string">old</name>\n')))
    assert vm.generation == 1


def test_configuration_version_9():
    props = '    <name type="string">t</name>\n    <version type="integer">2304</version>\n'
    assert only_vm(read(export(properties=props))).config_version == "9.0"


@pytest.mark.parametrize("priority,weight", [(0, 0), (49, 0), (50, 1), (5000, 50), (5050, 51), (9950, 100), (10000, 100), (10001, 101), (12000, 120)])
def test_priority_to_weight(priority, weight):
    bank = f'        <size type="integer">1024</size>\n        <priority type="integer">{priority}</priority>\n'
    assert only_vm(read(export(bank=bank))).weight == weight


def test_type_errors_are_dm002_at_the_value():
    bank = (
        '        <dynamic_memory_enabled type="bool">yes</dynamic_memory_enabled>\n'
        '        <size type="integer">1GB</size>\n'
        '        <priority type="integer">high</priority>\n'
    )
    result = read(export(bank=bank))
    assert rules_of(result) == ["DM002", "DM002", "DM002"]
    by_line = {p.location.line: p.message for p in result.problems}
    assert by_line[12] == "settings/memory/bank/dynamic_memory_enabled: 'yes' is text, expected True or False"
    assert by_line[13] == "settings/memory/bank/size: '1GB' is text, expected an integer"
    assert "'high'" in by_line[14]
    assert all(p.vm == "t-vm" for p in result.problems)


def test_bad_sizes_are_dm003_at_the_value():
    bank = '        <size type="integer">0</size>\n        <reservation type="integer">-512</reservation>\n        <priority type="integer">-1</priority>\n'
    result = read(export(bank=bank))
    assert rules_of(result) == ["DM003", "DM003", "DM003"]
    messages = [p.message for p in result.problems]
    assert "startup (settings/memory/bank/size): size 0 is zero" in messages[0]
    assert "negative" in messages[1] and "-512" in messages[1]
    assert "priority -1 is negative" in messages[2]
    assert [p.location.line for p in result.problems] == [12, 13, 14]


def test_missing_size_and_name_are_dm002():
    result = read(export(bank='        <limit type="integer">4096</limit>\n', properties='    <subtype type="integer">0</subtype>\n'))
    messages = sorted(p.message for p in result.problems)
    assert rules_of(result) == ["DM002", "DM002"]
    assert messages[0].startswith("properties/name is missing")
    assert messages[1].startswith("settings/memory/bank/size is missing")
    assert result.vms[0].name == "<unnamed VM in t.xml>"


def test_bad_subtype_and_duplicate_element_are_dm002():
    props = '    <name type="string">t</name>\n    <subtype type="integer">7</subtype>\n'
    bank = '        <size type="integer">1024</size>\n        <size type="integer">2048</size>\n'
    result = read(export(bank=bank, properties=props))
    messages = [p.message for p in result.problems]
    assert "settings/memory/bank/size is given twice (first at line 10)" in messages
    assert "properties/subtype: 7 is not 0 (generation 1) or 1 (generation 2)" in messages
    assert result.vms[0].startup == 1024  # the first one counts


def test_notes_tokens():
    props = '    <name type="string">t</name>\n    <notes type="string">SQL box for finance.\nguest_os=win2k19; host=HV-07\nowner=ops</notes>\n'
    vm = only_vm(read(export(properties=props)))
    assert (vm.guest_os, vm.host) == ("win2k19", "HV-07")
    assert vm.loc("guest_os") == vm.loc("notes")
    assert vm.loc("notes").line == 5


# --- syntax errors and hostile input -----------------------------------------------------


def test_syntax_error_has_line_and_column():
    text = export().replace("<size type=\"integer\">1024</size>", "<size type=\"integer\">1024</siz>")
    result = read(text)
    assert rules_of(result) == ["DM001"]
    p = result.problems[0]
    assert p.message.startswith("XML syntax error:")
    assert "size" in p.message
    assert p.location.line == 16
    assert p.location.column > 1


BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE configuration [\n <!ENTITY a "aaaaaaaaaa">\n'
    + "".join(f' <!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">\n' for i in range(9))
    + ']>\n<configuration><properties><name type="string">&j;</name></properties><settings/></configuration>\n'
)


@pytest.mark.parametrize(
    "text",
    [
        BILLION_LAUGHS,
        '<?xml version="1.0"?>\n<!DOCTYPE configuration [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<configuration><properties><notes type="string">&x;</notes></properties><settings/></configuration>',
        '<?xml version="1.0"?>\n<!DOCTYPE configuration [<!ENTITY % p SYSTEM "http://127.0.0.1:9/evil.dtd"> %p;]>\n<configuration/>',
        '<?xml version="1.0"?>\n<!DOCTYPE configuration SYSTEM "file:///etc/passwd">\n<configuration><properties/><settings/></configuration>',
        '<?xml version="1.0"?>\n<!DOCTYPE configuration PUBLIC "-//x//y" "http://127.0.0.1:9/x.dtd">\n<configuration><properties/><settings/></configuration>',
    ],
    ids=["billion-laughs", "xxe-file", "parameter-entity", "external-dtd-system", "external-dtd-public"],
)
def test_entities_and_external_dtds_are_refused(text):
    for data in (text.encode("utf-8"), utf16(text)):
        start = time.perf_counter()
        result = read(data)
        assert time.perf_counter() - start < 1.0
        assert rules_of(result) == ["DM001"]
        p = result.problems[0]
        assert p.message.startswith("refused: the DOCTYPE")
        assert p.location.line == 2
        assert result.vms == []
        assert "root:" not in p.message


def test_undeclared_entity_is_a_syntax_error_not_a_lookup():
    text = export(properties='    <name type="string">&xxe;</name>\n')
    result = read(text)
    assert rules_of(result) == ["DM001"]
    assert "xxe" in result.problems[0].message


def test_deep_nesting_is_dm001_in_bounded_time():
    depth = 100_000
    text = "<configuration><properties>" + "<a>" * depth + "</a>" * depth + "</properties><settings/></configuration>"
    start = time.perf_counter()
    result = read(text)
    assert time.perf_counter() - start < 2.0
    assert rules_of(result) == ["DM001"]
    assert "depth" in result.problems[0].message.lower() or "nest" in result.problems[0].message.lower()


def test_every_truncation_of_a_valid_file_is_a_finding():
    data = utf16(export())
    for cut in range(0, len(data) - 30, 7):
        result = read(data[:cut])
        assert rules_of(result) == ["DM001"], (cut, result.problems)


@pytest.mark.parametrize(
    "data",
    [b"", b"   \n", b"\x00" * 64, bytes(range(256)) * 8, b"\xff\xfe" + b"\x00\xd8" * 40, b"PK\x03\x04" + b"\x00" * 100, b"<configuration", b"<?xml version='1.0'?>"],
    ids=["empty", "blank", "nuls", "all-bytes", "surrogates", "zip", "open-tag", "declaration-only"],
)
def test_junk_is_dm001(data):
    result = read(data)
    assert rules_of(result) == ["DM001"]
    assert result.vms == []


def test_oversized_file_is_refused(monkeypatch):
    import dmlint.readers as readers

    monkeypatch.setattr(readers, "MAX_FILE_BYTES", 1000)
    data = export() + "<!--" + "x" * 2000 + "-->"
    result = readers.read_bytes(data.encode() if isinstance(data, str) else data, "t.xml", "xml")
    assert rules_of(result) == ["DM001"]
    assert "bytes" in result.problems[0].message


# --- suppression comments -----------------------------------------------------------------


def test_xml_suppression_comment_on_the_line_above(write):
    bank = (
        '        <dynamic_memory_enabled type="bool">False</dynamic_memory_enabled>\n'
        '        <!-- dmlint: disable=DM105 -- appliance needs an odd size -->\n'
        '        <size type="integer">1025</size>\n'
    )
    plain = write("plain.xml", utf16(export(bank=bank.replace("        <!-- dmlint: disable=DM105 -- appliance needs an odd size -->\n", ""), properties='    <name type="string">sup-plain</name>\n')))
    suppressed = write("sup.xml", utf16(export(bank=bank, properties='    <name type="string">sup-suppressed</name>\n')))
    _, findings = check_json(plain)
    assert [(f["rule"], f["line"]) for f in findings] == [("DM105", 10)]
    _, findings = check_json(suppressed)
    assert findings == []


def test_xml_suppression_on_the_same_line_and_file_wide(write):
    same = write("same.xml", export(bank='        <size type="integer">1025</size> <!-- dmlint: disable=DM105 -- reason -->\n', properties='    <name type="string">sup-same</name>\n'))
    whole = write("whole.xml", export(bank='        <size type="integer">1025</size>\n', properties='    <name type="string">sup-whole</name>\n', extra="  <!-- dmlint: disable-file=DM1 -- legacy -->\n"))
    other = write("other.xml", export(bank='        <size type="integer">1025</size> <!-- dmlint: disable=DM101 -- other rule -->\n', properties='    <name type="string">sup-other</name>\n'))
    assert check_json(same)[1] == []
    assert check_json(whole)[1] == []
    assert [f["rule"] for f in check_json(other)[1]] == ["DM105"]


# --- fuzzing ----------------------------------------------------------------------------

_VALID = utf16(export())
_VALID8 = export().encode("utf-8")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_fuzz_mutations_never_raise(data):
    base = bytearray(data.draw(st.sampled_from([_VALID, _VALID8])))
    for _ in range(data.draw(st.integers(1, 8))):
        pos = data.draw(st.integers(0, len(base) - 1))
        op = data.draw(st.sampled_from(["flip", "delete", "insert"]))
        if op == "flip":
            base[pos] = data.draw(st.integers(0, 255))
        elif op == "delete":
            del base[pos]
        else:
            base[pos:pos] = data.draw(st.binary(min_size=1, max_size=8))
    result = hyperv_xml.read(bytes(base), "f.xml")
    assert isinstance(result, ParseResult)
    assert all(p.rule in ("DM001", "DM002", "DM003") for p in result.problems)
    assert len(result.vms) <= 1


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2048))
def test_fuzz_garbage_never_raises(blob):
    result = hyperv_xml.read(blob, "g.xml")
    assert isinstance(result, ParseResult)
    if result.ours:
        assert result.problems or result.vms


@settings(max_examples=100, deadline=None)
@given(st.integers(0, len(_VALID)), st.sampled_from([_VALID, _VALID8]))
def test_fuzz_truncation_never_raises(cut, base):
    result = hyperv_xml.read(base[:cut], "t.xml")
    assert isinstance(result, ParseResult)
    if cut < len(base) - 40:
        assert [p.rule for p in result.problems] == ["DM001"]


def test_broken_xml_that_is_not_hyperv_is_skipped_but_broken_configuration_is_dm001():
    from dmlint.readers.hyperv_xml import read as read_xml

    skipped = read_xml(b"<project><build>{{ template }}</projec>", "pom.xml")
    assert not skipped.ours and not skipped.problems
    broken = read_xml(b"<configuration><properties><name>x</name></propertie>", "vm.xml")
    assert [p.rule for p in broken.problems] == ["DM001"]
