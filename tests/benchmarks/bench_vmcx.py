"""VMCX throughput, as a ratio against a floor measured in the same run.

    python tests/benchmarks/bench_vmcx.py [--files 2000] [--repeat 5] [--devices 36]

Generates N distinct VMCX files with dmlint's test writer, shaped like real ones (about 400
keys, as the real samples hold 338-409), then times, over the same files from disk:

  floor    open + read + one zlib.crc32 over the whole file
  walk     open + read + the least any pure-Python reader must do per key: unpack the entry
           header and CRC its content (no names, values, tree or checks): a lower bound
  storage  open + read + dmlint.readers.vmcx_storage.parse (every CRC, the whole key tree)
  reader   open + read + dmlint.readers.vmcx.read (storage + VM record)
  check    `dmlint check --format json DIR` in process (discovery, reader, every rule, report)

and prints files/s and each against the floor. Target for the reader: <= 3x the floor.
"""

from __future__ import annotations

import argparse
import random
import struct
import sys
import tempfile
import time
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # tests/, for vmcx_writer

from vmcx_writer import vm_config, write  # noqa: E402

from _harness import dmlint_check_in_process  # noqa: E402

from dmlint.readers import vmcx, vmcx_storage  # noqa: E402


def generate(directory: Path, n: int, devices: int) -> list[Path]:
    rng = random.Random(7)
    paths = []
    for i in range(n):
        dynamic = rng.random() < 0.6
        startup = rng.choice([1024, 2048, 4096, 8192, 16384])
        root = vm_config(
            f"bench-vm-{i:05d}",
            generation=rng.choice([1, 2, 2]),
            dynamic=dynamic,
            startup=startup,
            minimum=startup // 2,
            maximum=startup * 4,
            buffer=rng.choice([20, 20, 50]),
            notes=f"guest_os={rng.choice(['win2k19', 'win2k22', 'ubuntu22.04', 'rhel9.0'])}",
            devices=devices,
            guid=i + 1,
        )
        path = directory / f"{i:05d}.vmcx"
        path.write_bytes(write(root, sequence=rng.randrange(2, 60000)))
        paths.append(path)
    return paths


def floor(paths) -> None:
    for p in paths:
        with open(p, "rb") as fh:
            zlib.crc32(fh.read())


_HDR = struct.Struct("<BBIHIIIB").unpack_from
_Z4 = bytes(4)


def walk(paths) -> None:
    crc32 = zlib.crc32
    for p in paths:
        with open(p, "rb") as fh:
            data = fh.read()
        (count,) = struct.unpack_from("<I", data, 0x2004)
        for i in range(count):
            otype, _c, off, size, _f = struct.unpack_from("<BIQIB", data, 0x2008 + 18 * i)
            if otype != 2:
                if otype == 0:
                    break
                continue
            pos, end = off + 10, off + size
            while pos < end:
                esize = _HDR(data, pos)[2]
                crc32(data[pos + 16 : pos + esize], crc32(_Z4, crc32(data[pos : pos + 12])))
                pos += esize


def storage(paths) -> None:
    for p in paths:
        with open(p, "rb") as fh:
            vmcx_storage.parse(fh.read())


def reader(paths) -> None:
    for p in paths:
        with open(p, "rb") as fh:
            result = vmcx.read(fh.read(), p.name)
        assert result.vms and not result.problems, result.problems


def check(directory: Path):
    return lambda _paths: dmlint_check_in_process(directory, "--fail-on", "error")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--devices", type=int, default=36, help="device nodes per VM (36 gives about 400 keys)")
    ap.add_argument("--no-check", action="store_true", help="skip the full `dmlint check` run")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        paths = generate(directory, args.files, args.devices)
        sample = vmcx_storage.parse(paths[0].read_bytes())
        size = sum(p.stat().st_size for p in paths) / len(paths)
        print(f"{len(paths)} VMCX files, {size / 1024:.0f} KB and {sample.key_entries} keys each ({sample.key_tables} key tables)")
        floor(paths)  # warm the page cache and the imports
        reader(paths[:50])
        runs = [("floor (read + crc32)", floor), ("walk (lower bound)", walk), ("storage parse", storage), ("reader (VM record)", reader)]
        if not args.no_check:
            runs.append(("dmlint check", check(directory)))
        # interleaved: every round times each mode once, and each mode keeps its best round,
        # so a burst of load on the machine hits all modes alike
        results = {label: float("inf") for label, _ in runs}
        for _ in range(args.repeat):
            for label, fn in runs:
                start = time.perf_counter()
                fn(paths)
                results[label] = min(results[label], time.perf_counter() - start)
        base = results["floor (read + crc32)"]
        for label, seconds in results.items():
            rate = len(paths) / seconds
            print(f"{label:22s} {seconds:8.3f} s  {rate:9.0f} files/s  {seconds / base:6.1f}x floor  {seconds / len(paths) * 1e6:8.0f} us/file")
        ratio = results["reader (VM record)"] / base
        print(f"reader / floor = {ratio:.1f}x (target <= 3x); reader / walk = {results['reader (VM record)'] / results['walk (lower bound)']:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
