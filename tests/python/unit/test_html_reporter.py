"""The HTML reporter without a browser (every interpreter runs this; the
browser tests, marked external, run on the main one)."""

import json
import re

from heapscope.model import GrowthRow, Report
from heapscope.reporters import get, html


def test_page_embeds_the_json_and_escapes_markup():
    report = Report(
        runs=2, warmup=0, growth=[GrowthRow("</script><img src=x onerror=alert(1)><!--", 3, 3, 30, 30)]
    )
    page = get("html").render(report)
    assert page.count("</script>") == page.count("<script") == 3  # only the page's own three
    (data,) = re.findall(r'<script id="heapscope-data" type="application/json">(.*?)</script>', page, re.S)
    doc = json.loads(data)
    assert doc["kind"] == "Report" and doc["doc"] == json.loads(json.dumps(report.to_dict()))
    assert "<img" not in data and "\\u003cimg" in data


def test_only_report_kinds():
    try:
        html.render(GrowthRow("int", 1, 1, 28, 28))
    except TypeError as exc:
        assert "draws Report" in str(exc)
    else:
        raise AssertionError("a GrowthRow has no page")
