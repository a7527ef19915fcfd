"""--metrics and --otlp: per-type heap metrics, scraped by a real Prometheus server.

A leaking target runs; `heapscope attach PID --watch --metrics` serves its
samples; a Prometheus server started here on loopback scrapes them, and the
test asks Prometheus's HTTP API for the growing type.  `promtool` (from the
same package) checks the exposition and the documented rules.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time
import urllib.parse
import urllib.request

import pytest
from conftest import tool_env

needs_prometheus = pytest.mark.skipif(
    shutil.which("prometheus") is None or shutil.which("promtool") is None,
    reason="Prometheus is not installed (CI installs Debian's prometheus package)",
)

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "..")
TARGET = textwrap.dedent(
    """
    import sys, time
    class Session:
        def __init__(self, i):
            self.id = i
            self.data = [i] * 5
    class Registry:
        items = {}
    i = 0
    print("ready", flush=True)
    deadline = time.time() + float(sys.argv[1])
    while time.time() < deadline:
        for _ in range(100):
            Registry.items[i] = Session(i)
            i += 1
        time.sleep(0.1)
    """
)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read().decode()


def wait_for(fn, timeout, what):
    end = time.monotonic() + timeout
    last = None
    while time.monotonic() < end:
        try:
            last = fn()
            if last:
                return last
        except OSError as exc:
            last = exc
        time.sleep(0.5)
    raise AssertionError(f"{what}: not within {timeout} s (last: {last!r})")


@pytest.fixture
def target(tmp_path):
    script = tmp_path / "svc.py"
    script.write_text(TARGET)
    proc = subprocess.Popen([sys.executable, str(script), "120"], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    yield proc
    proc.kill()
    proc.wait()


def heapscope_bg(*args):
    return subprocess.Popen(
        [sys.executable, "-m", "heapscope", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def stop(proc):
    proc.terminate()
    try:
        return proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.communicate()


@pytest.mark.external
@needs_prometheus
def test_prometheus_scrapes_a_growing_type(target, tmp_path):
    port, prom_port = free_port(), free_port()
    watcher = heapscope_bg(
        "attach", str(target.pid), "--watch", "--interval", "1", "--metrics", f"127.0.0.1:{port}",
        "--metrics-window", "3", "--metrics-types", "20",
    )  # fmt: skip
    (tmp_path / "prometheus.yml").write_text(
        textwrap.dedent(
            f"""
            global: {{scrape_interval: 1s, evaluation_interval: 1s}}
            rule_files: [{os.path.abspath(os.path.join(ROOT, "docs", "heapscope-rules.yml"))!r}]
            scrape_configs:
              - job_name: heapscope
                static_configs: [{{targets: ["127.0.0.1:{port}"]}}]
            """
        )
    )
    prom = subprocess.Popen(
        [
            "prometheus",
            f"--config.file={tmp_path / 'prometheus.yml'}",
            f"--storage.tsdb.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{prom_port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=tool_env(),
    )
    api = f"http://127.0.0.1:{prom_port}/api/v1/query?query="
    try:
        text = wait_for(
            lambda: "heapscope_live_objects{" in (t := get(f"http://127.0.0.1:{port}/metrics")) and t,
            60,
            "metrics",
        )
        # promtool checks the exposition against Prometheus's naming rules.
        check = subprocess.run(
            ["promtool", "check", "metrics"], input=text, capture_output=True, text=True, env=tool_env()
        )
        assert check.returncode == 0, check.stdout + check.stderr

        def query(q):
            body = json.loads(get(api + urllib.parse.quote(q)))
            assert body["status"] == "success", body
            return body["data"]["result"]

        # The growing type, as Prometheus stored it: it grows between scrapes.
        series = wait_for(
            lambda: query('heapscope_live_objects{type="__main__.Session"}'), 90, "Prometheus has the series"
        )
        first = float(series[0]["value"][1])
        assert series[0]["metric"]["job"] == "heapscope"
        sessions = 'heapscope_live_objects{type="__main__.Session"}'
        rising = wait_for(
            lambda: [r for r in query(sessions) if float(r["value"][1]) > first + 500], 60, "Sessions rise"
        )
        assert rising
        slope = wait_for(
            lambda: query('deriv(heapscope_live_objects{type="__main__.Session"}[15s]) > 0'), 60, "slope"
        )
        assert float(slope[0]["value"][1]) > 100  # about 1000 a second
        # heapscope's own rule names it, and the documented recording rule evaluates.
        wait_for(lambda: query('heapscope_leak_suspect{type="__main__.Session"} == 1'), 60, "the suspect")
        assert float(query("heapscope_leak_suspect_retained_bytes")[0]["value"][1]) > 0
        wait_for(
            lambda: query('heapscope:live_bytes:deriv10m{type="__main__.Session"} > 0'), 60, "recording rule"
        )
        # Cardinality: 20 types and "other", whatever the heap holds.
        assert len(query("heapscope_live_objects")) == 21
        assert float(query("heapscope_target_stopped_seconds")[0]["value"][1]) < 1
        assert float(query("heapscope_samples_total")[0]["value"][1]) >= 3
    finally:
        _, err = stop(watcher)
        stop(prom)
    assert "serving metrics at" in err
    assert target.poll() is None  # the target lives on


@pytest.mark.external
@needs_prometheus
def test_run_serves_metrics_and_rules_check(tmp_path):
    port = free_port()
    script = tmp_path / "svc.py"
    script.write_text(TARGET)
    run = heapscope_bg(
        "run", "--every", "0.5", "--metrics", f"127.0.0.1:{port}", "--no-trace", str(script), "8"
    )
    try:
        text = wait_for(
            lambda: "heapscope_samples_total 3" in (t := get(f"http://127.0.0.1:{port}/metrics")) and t,
            60,
            "3 samples",
        )
    finally:
        _, err = stop(run)
    lines = dict(line.rsplit(" ", 1) for line in text.splitlines() if line and not line.startswith("#"))
    assert int(lines['heapscope_growth_objects{type="__main__.Session"}']) > 0
    assert f'pid="{run.pid}"' in text
    check = subprocess.run(
        ["promtool", "check", "metrics"], input=text, capture_output=True, text=True, env=tool_env()
    )
    assert check.returncode == 0, check.stdout + check.stderr
    rules = subprocess.run(
        ["promtool", "check", "rules", os.path.join(ROOT, "docs", "heapscope-rules.yml")],
        capture_output=True,
        text=True,
        env=tool_env(),
    )
    assert rules.returncode == 0 and "SUCCESS" in rules.stdout, rules.stdout + rules.stderr


def test_metrics_bad_input_is_one_line(target, tmp_path):
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    busy = taken.getsockname()[1]
    script = tmp_path / "x.py"
    script.write_text("print('never run')\n")
    try:
        cases = [
            (["attach", str(target.pid), "--watch", "--metrics", "nonsense"], "expected HOST:PORT"),
            (
                ["attach", str(target.pid), "--watch", "--metrics", f"127.0.0.1:{busy}"],
                "cannot serve metrics",
            ),
            (["attach", str(target.pid), "--metrics", "127.0.0.1:0"], "add --watch"),
            (["run", "--metrics", f"127.0.0.1:{busy}", str(script)], "cannot serve metrics"),
        ]
        for args, words in cases:
            proc = subprocess.run(
                [sys.executable, "-m", "heapscope", *args], capture_output=True, text=True, timeout=60
            )
            assert proc.returncode == 2, (args, proc.stderr)
            assert len(proc.stderr.strip().splitlines()) == 1 and words in proc.stderr, proc.stderr
    finally:
        taken.close()
    assert target.poll() is None


@pytest.mark.external
def test_otlp_pushes_the_same_numbers(target):
    """--otlp: each sample reaches an OTLP/HTTP receiver (here, one that decodes
    the protobuf with opentelemetry-proto), with the growing type in it."""
    pytest.importorskip("opentelemetry.sdk")
    import http.server
    import threading

    from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest

    got = []

    class Receiver(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            got.append(ExportMetricsServiceRequest.FromString(body))
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/v1/metrics"
    watcher = heapscope_bg(
        "attach", str(target.pid), "--watch", "--interval", "1", "--otlp", url, "--metrics-window", "3"
    )

    def sessions():
        values = []
        for req in got:
            for rm in req.resource_metrics:
                for sm in rm.scope_metrics:
                    for m in sm.metrics:
                        if m.name == "heapscope.live_objects":
                            assert m.unit == "{object}"
                            for p in m.gauge.data_points:
                                attrs = {a.key: a.value.string_value for a in p.attributes}
                                if attrs["type"] == "__main__.Session":
                                    values.append(p.as_int)
        return values

    try:
        values = wait_for(lambda: len(sessions()) >= 4 and sessions(), 90, "four samples over OTLP")
    finally:
        _, err = stop(watcher)
        server.shutdown()
    assert values == sorted(values) and values[-1] > values[0]
    names = {
        m.name for req in got for rm in req.resource_metrics for sm in rm.scope_metrics for m in sm.metrics
    }
    assert {
        "heapscope.live_bytes",
        "heapscope.leak_suspects",
        "heapscope.target_stopped",
        "heapscope.samples",
    } <= names
    resource = {a.key: a.value.string_value for a in got[-1].resource_metrics[0].resource.attributes}
    assert resource["process.pid"] == str(target.pid)
    assert f"OTLP {url}" in err
    assert target.poll() is None


def test_otlp_without_the_sdk_says_how_to_get_it(target):
    script = (
        "import sys\n"
        "for m in ('opentelemetry', 'opentelemetry.sdk'): sys.modules[m] = None\n"
        "from heapscope.cli import main\n"
        f"sys.exit(main(['attach', '{target.pid}', '--watch', '--otlp', 'http://127.0.0.1:1/v1/metrics']))\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "pip install 'heapscope[otlp]'" in proc.stderr and "Traceback" not in proc.stderr
