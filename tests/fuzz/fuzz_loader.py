"""Fuzzing the whole snapshot loader: heapscope.snapfile.load and everything
`heapscope report` and `heapscope diff` read from what it returns.

The C section reader has its own libFuzzer target (fuzz_snapshot.c); this one
reaches what it cannot: files whose checksums are valid but whose content is
hostile (stored results of the wrong shape, nested 100k deep, bytes flipped
inside sections with the checksums recomputed).  The only exception allowed
out of `consume()` is SnapshotError.

    python tests/fuzz/fuzz_loader.py --mutate 5000 [--seed 1]    # built-in mutator
    python tests/fuzz/fuzz_loader.py --atheris [libFuzzer flags]  # coverage-guided (pip install atheris)
    python tests/fuzz/fuzz_loader.py --write-corpus DIR           # the structured cases, as files

The test suite replays tests/fuzz/loader-corpus/ and a seeded mutation run
(tests/python/unit/test_snapshot_loader_fuzz.py).
"""

from __future__ import annotations

import io
import json
import os
import random
import struct
import sys
import tempfile
import zlib
from contextlib import redirect_stdout

HEADER = 64
ENTRY = 32


def fix_checksums(data: bytes) -> bytes:
    """Recompute every section's CRC-32 and the table's, so content checks are reached."""
    buf = bytearray(data)
    if len(buf) < HEADER:
        return bytes(buf)
    nsec = struct.unpack_from("<I", buf, 16)[0]
    if nsec > 32 or HEADER + nsec * ENTRY > len(buf):
        return bytes(buf)
    for i in range(nsec):
        t = HEADER + i * ENTRY
        off, length = struct.unpack_from("<QQ", buf, t + 8)
        if off + length <= len(buf):
            struct.pack_into("<I", buf, t + 24, zlib.crc32(bytes(buf[off : off + length])))
    struct.pack_into("<I", buf, 32, zlib.crc32(bytes(buf[HEADER : HEADER + nsec * ENTRY])))
    return bytes(buf)


def sections(data: bytes) -> list[tuple[int, int, int]]:
    """(id, offset, length) of each section a well-formed table lists."""
    nsec = struct.unpack_from("<I", data, 16)[0]
    out = []
    for i in range(min(nsec, 32)):
        t = HEADER + i * ENTRY
        if t + ENTRY > len(data):
            break
        sid = struct.unpack_from("<I", data, t)[0]
        off, length = struct.unpack_from("<QQ", data, t + 8)
        out.append((sid, off, length))
    return out


def consume(path: str) -> None:
    """Load a file and read it as `report` and `diff` do (text, JSON and dot)."""
    from heapscope import snapfile
    from heapscope.graph import Path
    from heapscope.reporters.dot import paths_to_dot

    loaded = snapfile.load(path)
    stats = loaded.snapshot.stats()
    census = loaded.census()
    retainers = loaded.results.get("top_retainers") or loaded.snapshot.top_retainers(5)
    with redirect_stdout(io.StringIO()):
        for r in retainers[:10]:
            print(f"{r['retained_size']} {r['type']} at {Path.from_raw(r['path']).text}")
        print(paths_to_dot([(r["path"], "x") for r in retainers[:10]]))
        json.dumps({"stats": stats, "types": census[:10], "top_retainers": retainers[:10]})
    snapfile.diff(loaded, loaded, 3)


HOSTILE_RESULTS = [
    "[]",
    "null",
    "1",
    '"text"',
    "[" * 20_000 + "]" * 20_000,
    '{"top_retainers": 1}',
    '{"top_retainers": [1, 2]}',
    '{"top_retainers": [{"type": "x"}]}',
    '{"top_retainers": [{"type": "x", "address": 1, "size": 1, "retained_size": 1, "path": 3}]}',
    '{"top_retainers": [{"type": "x", "address": 1, "size": 1, "retained_size": 1,'
    ' "path": {"root": {}, "path": [], "path_text": "", "hops": []}}]}',
    '{"top_retainers": [{"type": "x", "address": 1, "size": 1, "retained_size": 1,'
    ' "path": {"root": {"kind": "k", "name": "n"}, "path": [1], "path_text": "", "hops": []}}]}',
    '{"top_retainers": [{"type": "x", "address": 1, "size": 1, "retained_size": 1,'
    ' "path": {"root": {"kind": "k", "name": "n"}, "path": [], "path_text": "", "hops": [{"type": "t",'
    ' "address": "zz", "label": 4}]}}]}',
    '{"top_retainers": [{"type": "x", "address": true, "size": 1e400, "retained_size": -1, "path": {}}]}',
    '{"top_retainers": {"a": 1}}',
    '{"objects": "x", "leaks": 5}',
    '{"top_retainers": [' + ",".join(["{}"] * 1000) + "]}",
    "{" + '"a":{' * 20_000 + "}" * 20_001,
    "\ufeff{}",
    '{"top_retainers": [{"type": "x", "address": 1, "size": 1, "retained_size": 1,'
    ' "path": {"root": {"kind": "k", "name": "n"}, "path": ["a"], "path_text": "a", "hops": [{"type":'
    ' "type", "address": null, "label": null}]}}]}',
]


CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
LOADER_CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "loader-corpus")


def _valid_seeds() -> list[str]:
    """The C fuzzer's corpus files that are valid snapshots (small heaps)."""
    from heapscope import snapfile

    out = []
    for name in sorted(os.listdir(CORPUS)):
        path = os.path.join(CORPUS, name)
        try:
            snapfile.load(path)
        except snapfile.SnapshotError:
            continue
        out.append(path)
    return out


def structured_cases(directory: str) -> list[str]:
    """Files with valid checksums and hostile stored results, on small valid heaps."""
    from heapscope import snapfile

    seeds = _valid_seeds()
    snap = snapfile.load(max(seeds, key=os.path.getsize)).snapshot
    paths = []
    for i, results in enumerate(HOSTILE_RESULTS):
        path = os.path.join(directory, f"results-{i}.hsnap")
        snap.save(path, "python=3\npid=1\n", results)
        paths.append(path)
    return [*seeds, *paths]


def mutate(data: bytes, rng: random.Random) -> bytes:
    """A few byte-level edits inside the sections, checksums recomputed."""
    buf = bytearray(data)
    secs = [s for s in sections(data) if s[2] > 0 and s[1] + s[2] <= len(data)]
    for _ in range(rng.randint(1, 6)):
        how = rng.random()
        if secs and how < 0.7:
            _, off, length = rng.choice(secs)
            pos = off + rng.randrange(length)
            buf[pos] = rng.choice([0, 0xFF, 0x80, ord("{"), ord("["), ord('"'), rng.randrange(256)])
        elif how < 0.85:
            pos = rng.randrange(HEADER, len(buf))
            buf[pos] ^= 1 << rng.randrange(8)
        else:
            t = HEADER + rng.randrange(max(1, len(secs))) * ENTRY
            field = rng.choice([8, 16, 28])
            if t + field + 8 <= len(buf):
                value = rng.choice([0, 1, 2**31, 2**32 - 1])
                struct.pack_into("<Q" if field < 24 else "<I", buf, t + field, value)
    return fix_checksums(bytes(buf))


def run_mutations(n: int, seed: int, seeds: list[str]) -> tuple[int, list[str]]:
    """n mutated files through consume(); (files tried, escaped exceptions)."""
    from heapscope.snapfile import SnapshotError

    rng = random.Random(seed)
    blobs = [open(p, "rb").read() for p in seeds]
    escaped: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "m.hsnap")
        for i in range(n):
            with open(path, "wb") as f:
                f.write(mutate(rng.choice(blobs), rng))
            try:
                consume(path)
            except SnapshotError:
                pass
            except Exception as exc:  # noqa: BLE001 - that is what the fuzzer looks for
                escaped.append(f"mutation {i} (seed {seed}): {type(exc).__name__}: {exc}"[:300])
    return n, escaped


def main(argv: list[str]) -> int:
    if "--write-corpus" in argv:
        out = argv[argv.index("--write-corpus") + 1]
        os.makedirs(out, exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            for p in structured_cases(tmp):
                data = open(p, "rb").read()
                name = f"{zlib.crc32(data):08x}.hsnap"
                with open(os.path.join(out, name), "wb") as f:
                    f.write(data)
        return 0
    if "--atheris" in argv:
        import atheris  # type: ignore[import-not-found]

        from heapscope.snapfile import SnapshotError

        tmp = tempfile.mkdtemp()
        path = os.path.join(tmp, "a.hsnap")

        def one(data: bytes) -> None:
            with open(path, "wb") as f:
                f.write(fix_checksums(data))
            try:
                consume(path)
            except SnapshotError:
                pass

        atheris.Setup([a for a in argv if a != "--atheris"], one)
        atheris.Fuzz()
        return 0
    n = int(argv[argv.index("--mutate") + 1]) if "--mutate" in argv else 2000
    seed = int(argv[argv.index("--seed") + 1]) if "--seed" in argv else 1
    with tempfile.TemporaryDirectory() as tmp:
        tried, escaped = run_mutations(n, seed, structured_cases(tmp))
    print(f"{tried} mutated files, {len(escaped)} escaped exceptions")
    for line in escaped[:20]:
        print("  " + line)
    return 1 if escaped else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
