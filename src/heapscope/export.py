"""Exports of snapshot files to other tools' formats (docs/export.md).

* ``heapsnapshot``: a Chrome DevTools heap snapshot (DevTools' Memory panel,
  memlab, and other readers of V8's format), written streaming by the C core.
* ``parquet``: the heap as tables (snapshots, objects, edges, types, roots,
  retainers, stories) for DuckDB, Spark or pandas; many snapshot files at
  once, each row tagged with its file (``seq``) and process (``pid``).  Needs pyarrow (the
  ``heapscope[parquet]`` extra); nothing of it is imported otherwise.

The objects and edges go from the extension's flat columns (bytes of
little-endian integers) into Arrow arrays without a Python object per
heap object.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from heapscope.snapfile import LoadedSnapshot

__all__ = ["EDGE_KINDS", "ROOT_KINDS", "ExportError", "heapsnapshot", "parquet"]

# Label kinds of the snapshot format (docs/snapshot-format.md, section 9),
# and 255 for an edge the file does not name.
EDGE_KINDS = {
    0: "unknown",
    1: "attribute",
    2: "dict value",
    3: "dict value",
    4: "dict key",
    5: "index",
    6: "set member",
    7: "special attribute",
    8: "__dict__",
    9: "local variable",
    255: "reference",
}
# Root tiers (section 4), as reports name them.
ROOT_KINDS = {1: "module global", 2: "thread stack", 3: "held by C code", 4: "interpreter", 5: "heapscope"}


class ExportError(Exception):
    """A one-sentence reason an export cannot be done (the CLI prints it, exit 2)."""


def heapsnapshot(loaded: LoadedSnapshot, out: str) -> None:
    """Write ``loaded`` as a Chrome DevTools .heapsnapshot file at ``out``."""
    try:
        loaded.snapshot.export_heapsnapshot(out)
    except OSError as exc:
        raise ExportError(f"cannot write {out} ({exc.strerror or exc})") from None


def _pyarrow() -> Any:
    try:
        import pyarrow
        import pyarrow.parquet  # noqa: F401  (the writer is a submodule)
    except ImportError:
        raise ExportError(
            "Parquet export needs pyarrow, which is not installed: pip install 'heapscope[parquet]'"
        ) from None
    return pyarrow


def parquet(files: Sequence[LoadedSnapshot], out_dir: str, max_stories: int = 10) -> dict[str, int]:
    """Write the tables of ``files`` into ``out_dir`` (one Parquet file per
    table); return the rows written per table."""
    pa = _pyarrow()
    import pyarrow.parquet as pq

    try:
        os.makedirs(out_dir, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"cannot create {out_dir} ({exc.strerror})") from None
    from concurrent.futures import ThreadPoolExecutor

    writers: dict[str, Any] = {}
    rows: dict[str, int] = {}

    def write(name: str, table: Any) -> None:
        writers[name].write_table(table)

    try:
        # The tables of one file are written side by side (pyarrow lets go of
        # the GIL); each file's before the next file's tables are built.
        with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
            for i, loaded in enumerate(files):
                previous = files[i - 1] if i else None
                pending = []
                for name, table in _tables(pa, loaded, i, previous, max_stories):
                    if name not in writers:
                        path = os.path.join(out_dir, f"{name}.parquet")
                        # Dictionary pages only for the text and constant columns:
                        # ids and sizes are nearly all distinct.
                        text = [f.name for f in table.schema if not pa.types.is_integer(f.type)]
                        writers[name] = pq.ParquetWriter(
                            path,
                            table.schema,
                            use_dictionary=text,
                            compression="lz4",
                            write_statistics=["seq", "pid"],
                        )
                    pending.append(pool.submit(write, name, table))
                    rows[name] = rows.get(name, 0) + table.num_rows
                for job in pending:
                    job.result()
    except OSError as exc:
        raise ExportError(f"cannot write into {out_dir} ({exc})") from None
    finally:
        for w in writers.values():
            w.close()
    return rows


def _tables(
    pa: Any, loaded: LoadedSnapshot, seq: int, previous: LoadedSnapshot | None, max_stories: int
) -> Any:
    import pyarrow.compute as pc

    cols = loaded.snapshot.columns()
    n = len(cols["type_id"]) // 4
    m = len(cols["edge_to"]) // 8

    def arr(key: str, typ: Any, count: int, valid: str | None = None) -> Any:
        bitmap = pa.py_buffer(cols[valid]) if valid else None
        return pa.Array.from_buffers(typ, count, [bitmap, pa.py_buffer(cols[key])])

    address = arr("address", pa.int64(), n)
    type_names = pa.array(cols["type_names"], pa.string())
    types = pa.DictionaryArray.from_arrays(arr("type_id", pa.uint32(), n), type_names)
    tier = arr("tier", pa.uint8(), n)
    # Index 0 ("none") is never used: a non-root's kind is null.
    root_kind = pa.DictionaryArray.from_arrays(
        arr("tier", pa.uint8(), n, "root_valid"), pa.array(["none", *ROOT_KINDS.values()], pa.string())
    )
    reached = pa.Array.from_buffers(pa.bool_(), n, [None, pa.py_buffer(cols["reached"])])
    meta = _meta(pa, loaded, seq)
    # Every row carries its file (seq) and process (pid); the file's name,
    # time and metadata are in the snapshots table, a row per file.
    tag = {"seq": meta["seq"], "pid": meta["pid"]}

    def tagged(columns: dict[str, Any], count: int) -> Any:
        full = {k: _const(pa, v, count) for k, v in tag.items()}
        full.update(columns)
        return pa.table(full)

    yield (
        "snapshots",
        pa.table(
            {
                **{k: pa.array([v], v.type) for k, v in meta.items()},
                "objects": pa.array([n], pa.int64()),
                "edges": pa.array([m], pa.int64()),
            }
        ),
    )

    yield (
        "objects",
        tagged(
            {
                "id": address,
                "type": types,
                "size": arr("size", pa.int64(), n),
                "retained_size": arr("retained", pa.int64(), n),
                "root_kind": root_kind,
                "reached": reached,
            },
            n,
        ),
    )

    kind_names = sorted(set(EDGE_KINDS.values()))
    kind_index = pa.array([kind_names.index(EDGE_KINDS.get(k, "unknown")) for k in range(256)], pa.uint8())
    label_strs = pa.array(cols["label_strs"], pa.string())
    yield (
        "edges",
        tagged(
            {
                "from": arr("edge_from", pa.int64(), m),
                "to": arr("edge_to", pa.int64(), m),
                "kind": pa.DictionaryArray.from_arrays(
                    pc.take(kind_index, arr("edge_kind", pa.uint8(), m)), pa.array(kind_names, pa.string())
                ),
                "label": pa.DictionaryArray.from_arrays(
                    arr("edge_label", pa.int32(), m, "edge_label_valid"), label_strs
                ),
                "index": arr("edge_index", pa.uint32(), m, "edge_index_valid"),
            },
            m,
        ),
    )

    census = loaded.snapshot.type_rows()
    yield (
        "types",
        tagged(
            {
                "type": pa.array([t for t, _, _ in census], pa.string()),
                "count": pa.array([c for _, c, _ in census], pa.int64()),
                "size": pa.array([s for _, _, s in census], pa.int64()),
            },
            len(census),
        ),
    )

    root_idx = pc.indices_nonzero(tier)
    names_by_node = cols.get("names") or {}
    yield (
        "roots",
        tagged(
            {
                "id": pc.take(address, root_idx),
                "type": pc.take(types, root_idx).dictionary_decode(),
                "root_kind": pc.take(root_kind, root_idx).dictionary_decode(),
                "name": pa.array([names_by_node.get(v) for v in root_idx.to_pylist()], pa.string()),
            },
            len(root_idx),
        ),
    )

    retainers = loaded.results.get("top_retainers") or loaded.snapshot.top_retainers(20)
    yield (
        "retainers",
        tagged(
            {
                "rank": pa.array(range(1, len(retainers) + 1), pa.int32()),
                "id": pa.array([r["address"] for r in retainers], pa.int64()),
                "type": pa.array([r["type"] for r in retainers], pa.string()),
                "size": pa.array([r["size"] for r in retainers], pa.int64()),
                "retained_size": pa.array([r["retained_size"] for r in retainers], pa.int64()),
                "root_kind": pa.array([r["path"]["root"]["kind"] for r in retainers], pa.string()),
                "path": pa.array([_path_text(r["path"]) for r in retainers], pa.string()),
            },
            len(retainers),
        ),
    )

    stories = _stories(previous, loaded, max_stories)
    yield (
        "stories",
        tagged(
            {
                "rank": pa.array(range(1, len(stories) + 1), pa.int32()),
                "type": pa.array([st.type for st in stories], pa.string()),
                "count": pa.array([st.count for st in stories], pa.int64()),
                "size": pa.array([st.size for st in stories], pa.int64()),
                "retained_size": pa.array([st.retained_size for st in stories], pa.int64()),
                "root_kind": pa.array([st.path.root.kind for st in stories], pa.string()),
                "path": pa.array([st.path.text for st in stories], pa.string()),
                "hint": pa.array([st.hint.text if st.hint else None for st in stories], pa.string()),
            },
            len(stories),
        ),
    )


def _const(pa: Any, value: Any, count: int) -> Any:
    """A column of ``count`` copies of a scalar with no per-row work: a
    one-entry dictionary and all-zero indices (a calloc'ed buffer)."""
    if not value.is_valid:
        return pa.nulls(count, value.type)
    zeros = pa.Array.from_buffers(pa.int32(), count, [None, pa.py_buffer(bytes(4 * count))])
    return pa.DictionaryArray.from_arrays(zeros, pa.array([value], value.type))


def _meta(pa: Any, loaded: LoadedSnapshot, seq: int) -> dict[str, Any]:
    """One file's row of the snapshots table (scalars)."""
    from datetime import datetime

    pid = loaded.meta.get("pid", "")
    when = None
    try:
        when = datetime.strptime(loaded.meta.get("time", ""), "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        pass
    return {
        "seq": pa.scalar(seq, pa.int32()),
        "pid": pa.scalar(int(pid) if pid.isdigit() else None, pa.int64()),
        "snapshot": pa.scalar(os.path.basename(loaded.path), pa.string()),
        "path": pa.scalar(os.path.abspath(loaded.path), pa.string()),
        "time": pa.scalar(when, pa.timestamp("s", tz="UTC")),
        "python": pa.scalar(loaded.meta.get("python"), pa.string()),
        "argv": pa.scalar(loaded.meta.get("argv"), pa.string()),
    }


def _path_text(raw: dict[str, Any]) -> str:
    from heapscope.model import Path

    return Path.from_raw(raw).text


def _stories(previous: LoadedSnapshot | None, loaded: LoadedSnapshot, max_stories: int) -> list[Any]:
    """The stories of the objects born since the previous file of the same
    process (none for a process's first file)."""
    if previous is None or previous.meta.get("pid") != loaded.meta.get("pid"):
        return []
    from heapscope.snapfile import diff

    return diff(previous, loaded, max_stories).stories
