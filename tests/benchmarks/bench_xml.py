"""Hyper-V XML throughput, each as a ratio against a bare lxml parse measured in the same run.

    python tests/benchmarks/bench_xml.py [--files 2000] [--repeat 5] [--devices 40]

N export files are generated in a temporary directory: UTF-16 with BOM and CRLF as Hyper-V
writes them, about the size of a real 2012 R2 export (a `manifest` of device entries, then
`properties` and `settings`; 100 entries give about 38 KB, as the real 2012 R2 sample re-encoded in UTF-16), every tenth one re-encoded as single-byte text declaring UTF-16.

1. reader: `dmlint.readers.hyperv_xml.read(bytes)` over the bytes already in memory, against
   `lxml.etree.fromstring(bytes)` over the same bytes (the single-byte ones that declare
   UTF-16 are handed to the bare parse as they are, so lxml gets them wrong but fast).
   Target: <= 2x.
2. pipeline: `dmlint check DIR` in-process (discovery, reading, every rule, suppression scan,
   report), against a loop that opens, reads and `fromstring`s the same files. Target: <= 2x.
"""

from __future__ import annotations

import argparse
import codecs
import random
import sys
import tempfile
import time
from pathlib import Path

from lxml import etree

from _harness import dmlint_check_in_process, interleaved

GUESTS = ["win2k19", "win2k22", "win2k16", "ubuntu22.04", "rhel9.0", "debian12", "win11", "win2k12r2"]


def export_text(i: int, rng: random.Random, devices: int) -> str:
    dynamic = rng.random() < 0.6
    startup = rng.choice([1024, 2048, 4096, 8192])
    lines = ['<?xml version="1.0" encoding="UTF-16" standalone="yes"?>', "<configuration>", "  <manifest>"]
    for d in range(devices):
        guid = f"{rng.getrandbits(128):032X}"
        lines += [
            f"    <vdev{d:03d}>",
            f'      <device type="string">{guid[:8]}-{guid[8:12]}-{guid[12:16]}-{guid[16:20]}-{guid[20:]}</device>',
            '      <flags type="integer">0</flags>',
            f'      <name type="string">Device {d}</name>',
            f"    </vdev{d:03d}>",
        ]
    lines += [
        "  </manifest>",
        "  <properties>",
        '    <highly_available type="bool">False</highly_available>',
        f'    <name type="string">bench-{i:05d}</name>',
        f'    <notes type="string">guest_os={rng.choice(GUESTS)}</notes>',
        f'    <subtype type="integer">{rng.choice([0, 1])}</subtype>',
        '    <version type="integer">1280</version>',
        "  </properties>",
        "  <settings>",
        "    <memory>",
        "      <bank>",
        f'        <dynamic_memory_enabled type="bool">{dynamic}</dynamic_memory_enabled>',
        f'        <limit type="integer">{startup * 4 if dynamic else 1048576}</limit>',
        '        <priority type="integer">5000</priority>',
        f'        <reservation type="integer">{startup // 2}</reservation>',
        f'        <size type="integer">{startup}</size>',
        '        <target_memory_buffer type="integer">20</target_memory_buffer>',
        "      </bank>",
        "    </memory>",
        "    <processors>",
        f'      <count type="integer">{rng.choice([1, 2, 4])}</count>',
        "    </processors>",
        "  </settings>",
        "</configuration>",
        "",
    ]
    return "\r\n".join(lines)


def generate(directory: Path, n: int, devices: int) -> list[Path]:
    rng = random.Random(7)
    sub = directory / "Virtual Machines"
    sub.mkdir()
    paths = []
    for i in range(n):
        text = export_text(i, rng, devices)
        data = text.encode("ascii") if i % 10 == 9 else codecs.BOM_UTF16_LE + text.encode("utf-16-le")
        path = sub / f"{i:05d}.xml"
        path.write_bytes(data)
        paths.append(path)
    return paths


def bare_parse(blobs) -> None:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    for b in blobs:
        try:
            etree.fromstring(b, parser)
        except etree.XMLSyntaxError:
            pass  # the single-byte files declaring UTF-16: lxml trusts the declaration


def reader_loop(blobs) -> None:
    from dmlint.readers import hyperv_xml

    for i, b in enumerate(blobs):
        hyperv_xml.read(b, f"{i}.xml")


def bare_files(paths) -> None:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    for p in paths:
        with open(p, "rb") as fh:
            data = fh.read()
        try:
            etree.fromstring(data, parser)
        except etree.XMLSyntaxError:
            pass


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--devices", type=int, default=100, help="manifest entries per file (100: about 38 KB, the size of the real 2012 R2 sample as UTF-16)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        paths = generate(directory, args.files, args.devices)
        blobs = [p.read_bytes() for p in paths]
        size = sum(map(len, blobs)) / len(blobs)
        # sanity: the reader understands every generated file
        from dmlint.readers import hyperv_xml

        bad = [i for i, b in enumerate(blobs) if hyperv_xml.read(b, "x.xml").problems or len(hyperv_xml.read(b, "x.xml").vms) != 1]
        if bad:
            print(f"generated files the reader rejects: {bad[:5]}", file=sys.stderr)
            return 1
        reader_loop(blobs)  # warm-up
        bare_parse(blobs)
        ref, ours = interleaved(lambda: bare_parse(blobs), lambda: reader_loop(blobs), args.repeat, clock=time.process_time)
        n = args.files
        print(f"XML reader: {n} files of {size / 1024:.1f} KB  bare lxml.fromstring {ref * 1000:.0f} ms ({n / ref:.0f} files/s)  "
              f"hyperv_xml.read {ours * 1000:.0f} ms ({n / ours:.0f} files/s)  ratio {ours / ref:.2f}x (target <= 2x)")
        dmlint_check_in_process(directory)  # warm-up: imports, rule loading, catalogue
        bare_files(paths)
        ref_f, ours_f = interleaved(lambda: bare_files(paths), lambda: dmlint_check_in_process(directory), args.repeat, clock=time.process_time)
        print(f"XML pipeline: bare open+read+fromstring {ref_f * 1000:.0f} ms ({n / ref_f:.0f} files/s)  "
              f"dmlint check {ours_f * 1000:.0f} ms ({n / ours_f:.0f} files/s)  ratio {ours_f / ref_f:.2f}x (target <= 2x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
