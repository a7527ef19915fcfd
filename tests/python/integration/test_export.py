"""heapscope export: DevTools heap snapshots and Parquet tables, end to end.

A real script's heap goes to a snapshot file through the CLI, then out
through `heapscope export`; what the exported file says is checked against
heapscope's own reports on the same snapshot file: counts per type,
retained sizes, the labelled path of the leak, growth between two files.
"""

from __future__ import annotations

import array
import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest
from conftest import tool_env

sys.path.insert(0, os.path.dirname(__file__))
import heapsnap_format  # noqa: E402

LEAK = textwrap.dedent(
    """
    import os, signal, sys
    class Session:
        def __init__(self, i):
            self.id = i
            self.payload = [str(i)] * 10
    class Registry:
        items = {}
    def grow(k):
        for i in range(len(Registry.items), len(Registry.items) + k):
            Registry.items[f"s{i}"] = Session(i)
    grow(1000)
    if len(sys.argv) > 1:  # a second snapshot of the same process, after more growth
        os.kill(os.getpid(), signal.SIGUSR2)
        grow(1000)
        os.kill(os.getpid(), signal.SIGUSR2)
    grow(1000)
    """
)


def heapscope(*args, check=True):
    proc = subprocess.run(
        [sys.executable, "-m", "heapscope", *args], capture_output=True, text=True, timeout=300
    )
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture(scope="module")
def snap(tmp_path_factory):
    d = tmp_path_factory.mktemp("export")
    (d / "leak.py").write_text(LEAK)
    heapscope("snapshot", "-o", str(d / "a.hsnap"), str(d / "leak.py"))
    return d / "a.hsnap"


@pytest.fixture(scope="module")
def exported(snap):
    out = snap.parent / "a.heapsnapshot"
    proc = heapscope("export", str(snap), "--format", "heapsnapshot", "-o", str(out))
    assert "wrote" in proc.stderr
    return heapsnap_format.load(out)


def test_heapsnapshot_is_well_formed(exported):
    counts = heapsnap_format.check(exported)
    assert counts["nodes"] > 10_000
    assert exported["nodes"][:2] == [9, exported["strings"].index("(heapscope root)")]  # synthetic root first


def test_heapsnapshot_counts_and_retained_sizes_match_the_report(snap, exported):
    from heapscope import snapfile

    g = heapsnap_format.Graph(exported)
    report = json.loads(heapscope("report", str(snap), "--json", "--top", "100000").stdout)
    assert dict(g.counts()) == {row["type"]: row["count"] for row in report["types"]}
    assert sum(g.size) == sum(row["size"] for row in report["types"])

    cols = snapfile.load(str(snap)).snapshot.columns()
    mine = array.array("Q", cols["retained"])
    theirs = g.retained()
    first = g.n - len(mine)  # the synthetic nodes come first
    reached = [v for v in range(len(mine)) if first + v in theirs]
    assert len(reached) > 0.9 * len(mine)
    wrong = [v for v in reached if theirs[first + v] != mine[v]]
    assert not wrong, f"{len(wrong)} objects' retained sizes differ, e.g. node {wrong[0]}"
    # The report's top retainers are among them, by type and retained size.
    by_type = {(g.name[first + v], theirs[first + v]) for v in reached}
    for r in report["top_retainers"]:
        assert (r["type"], r["retained_size"]) in by_type


def test_heapsnapshot_names_the_leaks_path(exported):
    g = heapsnap_format.Graph(exported)
    # Registry.items['s17'] -> a Session: property edges named as heapscope labels them.
    holders = [
        w
        for v in range(g.n)
        for (t, name), w in zip(g.edges[v], g.out[v])
        if (t, name) == ("property", "items")
    ]
    registry = [w for w in holders if g.name[w] == "dict" and len(g.out[w]) >= 2000]
    assert len(registry) == 1
    (d,) = registry
    sessions = {name: g.name[w] for (t, name), w in zip(g.edges[d], g.out[d]) if t == "property"}
    assert len(sessions) == 2000 and sessions["s17"] == "__main__.Session"
    # The synthetic root's children are the root kinds.
    assert [g.name[w] for w in g.out[0]][:3] == ["(module globals)", "(thread stacks)", "(held by C code)"]


@pytest.mark.external
@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed (CI installs nodejs)")
def test_checker_accepts_a_snapshot_v8_wrote(tmp_path):
    out = tmp_path / "v8.heapsnapshot"
    subprocess.run(
        ["node", "-e", f"require('v8').writeHeapSnapshot({json.dumps(str(out))})"],
        check=True,
        timeout=120,
        env=tool_env(),
    )
    doc = heapsnap_format.load(out)
    counts = heapsnap_format.check(doc)
    assert counts["nodes"] > 1000
    g = heapsnap_format.Graph(doc)
    assert g.counts()["Object"] > 0
    # ... and refuses a broken one: the checker can fail.
    doc["snapshot"]["edge_count"] += 1
    with pytest.raises(heapsnap_format.FormatError):
        heapsnap_format.check(doc)


def test_export_bad_input_is_one_line(snap, tmp_path):
    cases = [
        (
            ["export", str(tmp_path / "none.hsnap"), "--format", "heapsnapshot", "-o", str(tmp_path / "x")],
            "no such file",
        ),
        (["export", str(snap), "--format", "heapsnapshot", "-o", str(tmp_path / "no" / "x")], "no directory"),
        (
            ["export", str(snap), str(snap), "--format", "heapsnapshot", "-o", str(tmp_path / "x")],
            "give one FILE",
        ),
        (["export", str(snap), "--format", "heapsnapshot"], "give -o OUT"),
    ]
    corrupt = tmp_path / "corrupt.hsnap"
    corrupt.write_bytes(snap.read_bytes()[:5000])
    cases.append(
        (["export", str(corrupt), "--format", "heapsnapshot", "-o", str(tmp_path / "y")], "truncated")
    )
    for args, words in cases:
        proc = heapscope(*args, check=False)
        assert proc.returncode == 2, (args, proc.stderr)
        assert len(proc.stderr.strip().splitlines()) == 1 and words in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr
    assert not (tmp_path / "y").exists() and not (tmp_path / "x").exists()


# ---- Parquet -----------------------------------------------------------------


@pytest.fixture(scope="module")
def series(tmp_path_factory):
    """Three snapshot files of one process as its registry grows (1000, 2000
    and 3000 sessions): two on SIGUSR2, one at exit, in the order written."""
    d = tmp_path_factory.mktemp("series")
    (d / "leak.py").write_text(LEAK)
    heapscope("snapshot", "-o", str(d / "s.hsnap"), str(d / "leak.py"), "twice")
    files = [d / "s.hsnap", d / "s.hsnap.1", d / "s.hsnap.2"]
    assert all(f.exists() for f in files)
    from heapscope import snapfile

    def sessions(f):
        return dict((t, c) for t, c, _ in snapfile.load(str(f)).snapshot.type_rows()).get("__main__.Session")

    files.sort(key=sessions)
    assert [sessions(f) for f in files] == [1000, 2000, 3000]
    return files


@pytest.fixture(scope="module")
def tables(series):
    pytest.importorskip("pyarrow")
    out = series[0].parent / "tables"
    proc = heapscope("export", *map(str, series), "--format", "parquet", str(out))
    assert "objects" in proc.stderr and "edges" in proc.stderr
    return out


def test_parquet_tables_answer_as_heapscope_does(series, tables):
    duckdb = pytest.importorskip("duckdb")
    db = duckdb.connect()
    t = {
        name: f"'{tables / name}.parquet'"
        for name in ("snapshots", "objects", "edges", "types", "roots", "retainers", "stories")
    }
    # Counts per type, from the objects table, equal the report's census, file by file.
    for seq, f in enumerate(series):
        report = json.loads(heapscope("report", str(f), "--json", "--top", "100000").stdout)
        rows = db.execute(
            f"select type, count(*), sum(size) from {t['objects']} where seq = ? group by type", [seq]
        ).fetchall()
        assert {r[0]: (r[1], r[2]) for r in rows} == {
            r["type"]: (r["count"], r["size"]) for r in report["types"]
        }
        # The report's top retainers, joined with the objects table: same types, same retained sizes.
        stored = db.execute(
            f"select r.type, o.type, r.retained_size, o.retained_size from {t['retainers']} r "
            f"join {t['objects']} o on r.id = o.id and r.seq = o.seq where r.seq = ? order by r.rank",
            [seq],
        ).fetchall()
        assert len(stored) == len(report["top_retainers"]) > 0
        assert all(a == b and c == d for a, b, c, d in stored)
        assert [(r[0], r[2]) for r in stored] == [
            (r["type"], r["retained_size"]) for r in report["top_retainers"]
        ]
    # Growth between the first and the last file, by type, equals `heapscope diff`.
    diff = json.loads(heapscope("diff", str(series[0]), str(series[2]), "--json", check=False).stdout)
    growth = db.execute(
        f"""select type, sum(case when seq = 2 then count::bigint else -count::bigint end) as delta
            from {t["types"]} where seq in (0, 2) group by type having delta != 0"""
    ).fetchall()
    assert {r[0]: r[1] for r in growth} == {g["type"]: g["delta"] for g in diff["growth"] if g["delta"]}
    assert dict(growth)["__main__.Session"] == 2000
    # Every file's rows carry its process and time; the stories of the second
    # and third files say who holds the new Sessions.
    pids = db.execute(f"select distinct pid from {t['objects']}").fetchall()
    files = db.execute(f"select seq, snapshot, time, objects from {t['snapshots']} order by seq").fetchall()
    assert [f[1] for f in files] == [p.name for p in series] and all(f[2] is not None for f in files)
    counts = db.execute(f"select seq, count(*) from {t['objects']} group by seq order by seq").fetchall()
    assert [c[1] for c in counts] == [f[3] for f in files]
    assert len(pids) == 1 and pids[0][0] > 0
    story = db.execute(
        f"select type, count, path from {t['stories']} where seq = 1 and type = '__main__.Session'"
    ).fetchone()
    assert story[1] == 1000 and "Registry.items" in story[2]
    # ... the same stories, in the same order, as `heapscope diff` of the two files.
    diff1 = json.loads(heapscope("diff", str(series[0]), str(series[1]), "--json", check=False).stdout)
    ranked = db.execute(f"select type, count from {t['stories']} where seq = 1 order by rank").fetchall()
    assert ranked == [(st["type"], st["count"]) for st in diff1["stories"]]
    # Edges carry the file's labels: the registry dict's values under their keys.
    labelled = db.execute(
        f"select count(*) from {t['edges']} e join {t['objects']} o on e.to = o.id and e.seq = o.seq "
        "where e.seq = 2 and o.type = '__main__.Session' and e.kind = 'dict value' and e.label like 's%'"
    ).fetchone()[0]
    assert labelled == 3000
    roots = db.execute(
        f"select root_kind, count(*) from {t['roots']} where seq = 0 group by root_kind"
    ).fetchall()
    report = json.loads(heapscope("report", str(series[0]), "--json").stdout)
    assert {k: c for k, c in roots} == {k: c for k, c in report["roots"].items() if c}


def test_parquet_without_pyarrow_says_how_to_get_it(snap, tmp_path):
    script = (
        "import sys; sys.modules['pyarrow'] = None\n"
        "from heapscope.cli import main\n"
        f"sys.exit(main(['export', {str(snap)!r}, '--format', 'parquet', '-o', {str(tmp_path / 'o')!r}]))\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "pip install 'heapscope[parquet]'" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.external
def test_spark_reads_the_tables(series, tables):
    """docs/export.md's Spark example, on the same directory: the growth by type
    that `heapscope diff` reports for the first and last files."""
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("pyspark needs Java (17), which is not installed")
    script = textwrap.dedent(
        f"""
        import json
        from pyspark.sql import SparkSession, functions as F
        spark = (SparkSession.builder.master("local[1]").appName("heaps")
                 .config("spark.ui.enabled", "false").getOrCreate())
        types = spark.read.parquet({str(tables / "types.parquet")!r})
        first, last = types.agg(F.min("seq"), F.max("seq")).first()
        growth = (
            types.where(F.col("seq").isin(first, last))
            .groupBy("pid", "type")
            .agg(F.sum(F.when(F.col("seq") == last, F.col("count"))
                       .otherwise(-F.col("count"))).alias("growth"))
            .where("growth != 0")
        )
        print(json.dumps({{r["type"]: r["growth"] for r in growth.collect()}}))
        objects = spark.read.parquet({str(tables / "objects.parquet")!r})
        print(json.dumps({{"id": str(objects.schema["id"].dataType)}}))
        spark.stop()
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    growth_line, schema_line = proc.stdout.strip().splitlines()[-2:]
    diff = json.loads(heapscope("diff", str(series[0]), str(series[2]), "--json", check=False).stdout)
    assert json.loads(growth_line) == {g["type"]: g["delta"] for g in diff["growth"] if g["delta"]}
    assert json.loads(schema_line) == {"id": "LongType()"}  # ids are plain 64-bit integers in Spark


def test_the_docs_queries_run(tables):
    """docs/export.md's DuckDB queries run on real tables and return rows."""
    duckdb = pytest.importorskip("duckdb")
    import re

    doc = open(os.path.join(os.path.dirname(__file__), "..", "..", "..", "docs", "export.md")).read()
    (block,) = re.findall(r"```sql\n(.*?)```", doc, flags=re.S)
    queries = [q for q in block.replace("'tables/", f"'{tables}/").split(";") if q.strip()]
    assert len(queries) == 3
    db = duckdb.connect()
    for q in queries:
        assert db.execute(q).fetchall(), q
