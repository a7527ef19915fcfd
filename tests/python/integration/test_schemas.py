"""Every JSON output against its schema in docs/, from real runs of the CLI (issue #12)."""

import json
import os

from conftest import ROOT, run_heapscope, validate

SCHEMAS = ("report", "diff", "snapshot-report")


def test_the_schemas_share_one_definition_of_paths_and_stories():
    docs = {}
    for name in SCHEMAS:
        with open(os.path.join(ROOT, "docs", f"{name}.schema.json")) as f:
            docs[name] = json.load(f)
    for name in ("diff", "snapshot-report"):
        for key, definition in docs[name]["$defs"].items():
            assert definition == docs["report"]["$defs"][key], f"{name}.schema.json $defs.{key} drifted"


def test_hop_kinds_in_the_schema_are_the_analysis_kinds():
    from heapscope import _heapscope

    with open(os.path.join(ROOT, "docs", "report.schema.json")) as f:
        kinds = json.load(f)["$defs"]["hop"]["properties"]["kind"]["enum"]
    assert tuple(kinds) == tuple(_heapscope.HOP_KINDS)


def test_snapshot_report_and_diff_json(tmp_path):
    a, b = str(tmp_path / "a.hsnap"), str(tmp_path / "b.hsnap")
    script = tmp_path / "grow.py"
    script.write_text(
        "import sys, heapscope.snapfile as sf\n"
        "class Order: pass\n"
        "orders = []\n"
        "sf.write(sf.take(top=5), sys.argv[1])\n"
        "orders.extend(Order() for _ in range(300))\n"
        "sf.write(sf.take(top=5), sys.argv[2])\n"
    )
    import subprocess
    import sys

    subprocess.run([sys.executable, str(script), a, b], check=True, cwd=str(tmp_path), timeout=120)
    r = run_heapscope("report", "--json", b)
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    validate(summary, "snapshot-report")
    assert summary["top_retainers"] and all(h["kind"] for h in summary["top_retainers"][0]["hops"])
    r = run_heapscope("diff", "--json", a, b)
    assert r.returncode == 1, r.stderr  # the orders grew and are alive: check's verdict, exit 1
    diff = json.loads(r.stdout)
    validate(diff, "diff")
    story = next(s for s in diff["stories"] if s["type"] == "__main__.Order")
    assert story["count"] == 300
    assert story["path_text"] == "__main__.orders[i]", story["path_text"]  # labelled as live
    assert [h["kind"] for h in story["hops"]] == ["root", "module global", "index"]
    assert story["hops"][0]["kind"] == "root"


def test_run_json_matches_the_report_schema(tmp_path):
    script = tmp_path / "leaky.py"
    script.write_text("class Item: pass\nkept = [Item() for _ in range(10)]\n")
    r = run_heapscope("run", "--json", str(script))
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    validate(doc)
    assert doc["exit_code"] == 0
