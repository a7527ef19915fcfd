"""Per-type heap metrics for Prometheus (docs/metrics.md).

``heapscope attach PID --watch --metrics HOST:PORT`` and ``heapscope run
--metrics HOST:PORT script.py`` serve, after each sample, the Prometheus text
exposition format at ``http://HOST:PORT/metrics``; ``--otlp URL`` pushes the
same through OTLP/HTTP (the ``otlp`` extra).  The server runs in
heapscope's process (for ``run``, beside the script; its objects are made
before the baseline and replaced, not accumulated, at each sample); nothing
is added to an attached target.

Names follow Prometheus's and OpenTelemetry's conventions: the unit in the
name (``_bytes``, ``_seconds``), ``_total`` for counters, one ``type`` label;
the types are the top N by bytes and ``other`` for the rest, so a heap with
thousands of types makes N + 1 series per metric.
"""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Callable

__all__ = ["Metrics", "MetricsError", "OtlpExporter", "Sample", "Tracker", "parse_address"]


class MetricsError(Exception):
    """A one-sentence reason the metrics cannot be served (exit 2)."""


def parse_address(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (``:PORT`` or ``PORT`` for every interface; ``[::1]:PORT``)."""
    host, sep, port = text.rpartition(":")
    if not sep:
        host, port = "", text
    host = host.strip("[]")
    if not port.isdigit() or not 0 <= int(port) <= 65535:
        raise MetricsError(f"--metrics {text}: expected HOST:PORT, e.g. 127.0.0.1:9464")
    return host, int(port)


@dataclass
class Sample:
    """One sample's numbers, as served."""

    rows: Sequence[tuple[str, int, int]]  # every type: (type, live objects, live bytes)
    duration: float  # seconds the sample took
    stopped: float  # seconds the target's threads were stopped or paused for it
    suspects: list[str] = field(default_factory=list)
    suspect_retained: int = 0


class Tracker:
    """Growth per interval and the leak suspects over the last ``window`` intervals.

    A suspect is a type that grew in every one of the last ``window``
    intervals, by the extension's rule (the one ``check`` and ``attach``
    use); until ``window`` intervals have passed, there are none.
    """

    def __init__(self, window: int = 5) -> None:
        self.window = max(2, window)
        self.history: list[dict[str, tuple[int, int]]] = []

    def add(self, rows: Sequence[tuple[str, int, int]]) -> list[str]:
        from heapscope import _heapscope

        self.history.append({t: (c, s) for t, c, s in rows})
        del self.history[: -(self.window + 1)]
        if len(self.history) <= self.window:
            return []
        suspects = []
        for t in self.history[-1]:
            counts = [h.get(t, (0, 0))[0] for h in self.history]
            sizes = [h.get(t, (0, 0))[1] for h in self.history]
            if _heapscope.verdict(counts, sizes) & _heapscope.VERDICT_LEAK:
                suspects.append(t)
        return sorted(suspects)

    def growth(self) -> dict[str, tuple[int, int]]:
        """Change per type over the last interval (objects, bytes)."""
        if len(self.history) < 2:
            return {}
        old, new = self.history[-2], self.history[-1]
        out = {}
        for t in set(old) | set(new):
            c0, s0 = old.get(t, (0, 0))
            c1, s1 = new.get(t, (0, 0))
            if c1 != c0 or s1 != s0:
                out[t] = (c1 - c0, s1 - s0)
        return out


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def exposition(
    sample: Sample, growth: dict[str, tuple[int, int]], samples_total: int, top: int, info: dict[str, str]
) -> str:
    """The Prometheus text exposition format (version 0.0.4) of one sample."""
    rows = sorted(sample.rows, key=lambda r: (-r[2], -r[1], r[0]))
    shown, rest = rows[:top], rows[top:]
    names = {r[0] for r in shown}
    other = (sum(r[1] for r in rest), sum(r[2] for r in rest))
    g_other = [0, 0]
    for t, (dc, ds) in growth.items():
        if t not in names:
            g_other[0] += dc
            g_other[1] += ds
    out: list[str] = []

    def family(name: str, kind: str, help_: str, values: list[tuple[str, float]]) -> None:
        out.append(f"# HELP {name} {help_}")
        out.append(f"# TYPE {name} {kind}")
        for labels, v in values:
            out.append(f"{name}{labels} {v:g}" if isinstance(v, float) else f"{name}{labels} {v}")

    per_type = [(f'{{type="{_label(t)}"}}', c) for t, c, _ in shown] + [('{type="other"}', other[0])]
    family(
        "heapscope_live_objects",
        "gauge",
        "Live objects of each type (top types by bytes; the rest as other).",
        per_type,
    )
    family(
        "heapscope_live_bytes",
        "gauge",
        "Shallow bytes of the live objects of each type.",
        [(f'{{type="{_label(t)}"}}', s) for t, _, s in shown] + [('{type="other"}', other[1])],
    )
    family(
        "heapscope_growth_objects",
        "gauge",
        "Change in live objects of each type over the last sample interval.",
        [(f'{{type="{_label(t)}"}}', growth.get(t, (0, 0))[0]) for t, _, _ in shown]
        + [('{type="other"}', g_other[0])],
    )
    family(
        "heapscope_growth_bytes",
        "gauge",
        "Change in live bytes of each type over the last sample interval.",
        [(f'{{type="{_label(t)}"}}', growth.get(t, (0, 0))[1]) for t, _, _ in shown]
        + [('{type="other"}', g_other[1])],
    )
    family("heapscope_heap_objects", "gauge", "Live objects in all.", [("", sum(r[1] for r in rows))])
    family(
        "heapscope_heap_bytes", "gauge", "Shallow bytes of all live objects.", [("", sum(r[2] for r in rows))]
    )
    family(
        "heapscope_leak_suspects",
        "gauge",
        "Types that grew in every one of the last intervals (heapscope's leak rule).",
        [("", len(sample.suspects))],
    )
    family(
        "heapscope_leak_suspect_retained_bytes",
        "gauge",
        "Bytes retained by the suspect types' objects born since the first sample.",
        [("", sample.suspect_retained)],
    )
    family(
        "heapscope_leak_suspect",
        "gauge",
        "1 for each type that is a leak suspect now.",
        [(f'{{type="{_label(t)}"}}', 1) for t in sample.suspects[:top]],
    )
    family(
        "heapscope_sample_duration_seconds",
        "gauge",
        "How long the last sample took.",
        [("", float(sample.duration))],
    )
    family(
        "heapscope_target_stopped_seconds",
        "gauge",
        "How long the target's threads were stopped or paused for the last sample.",
        [("", float(sample.stopped))],
    )
    family("heapscope_samples_total", "counter", "Samples taken.", [("", samples_total)])
    family(
        "heapscope_target_info",
        "gauge",
        "The process sampled.",
        [("{" + ",".join(f'{k}="{_label(v)}"' for k, v in info.items()) + "}", 1)],
    )
    return "\n".join(out) + "\n"


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:  # noqa: N802  (http.server's name)
        if self.path.split("?")[0] not in ("/metrics", "/"):
            self.send_error(404, "heapscope serves /metrics")
            return
        body = self.server.text.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass  # scrapes are not news


class _Server(http.server.HTTPServer):
    text = "# heapscope: no sample yet\n"


class Metrics:
    """Where each sample's metrics go: the /metrics endpoint (served from a
    daemon thread, one request at a time), OTLP, or both."""

    def __init__(
        self,
        address: str | None,
        otlp: str | None = None,
        top: int = 50,
        window: int = 5,
        info: dict[str, str] | None = None,
    ) -> None:
        self.top = top
        self.tracker = Tracker(window)
        self.samples = 0
        self.info = dict(info or {})
        self._server: _Server | None = None
        self.otlp = OtlpExporter(otlp, top, self.info) if otlp else None
        if address is not None:
            host, port = parse_address(address)
            _Server.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
            try:
                self._server = _Server((host, port), _Handler)
            except OSError as exc:
                if self.otlp is not None:
                    self.otlp.close()
                raise MetricsError(f"cannot serve metrics on {address} ({exc.strerror or exc})") from None
            threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.2},
                name="heapscope-metrics",
                daemon=True,
            ).start()

    @property
    def where(self) -> str:
        """What the user is told: the URL to scrape, the OTLP endpoint."""
        out = []
        if self._server is not None:
            host, port = self._server.server_address[:2]
            out.append(f"http://{'[' + host + ']' if ':' in host else host}:{port}/metrics")
        if self.otlp is not None:
            out.append(f"OTLP {self.otlp.endpoint}")
        return " and ".join(out)

    def suspects(self, rows: Sequence[tuple[str, int, int]]) -> list[str]:
        """Record a sample's rows; the leak suspects now."""
        self.samples += 1
        return self.tracker.add(rows)

    def publish(self, sample: Sample) -> None:
        growth = self.tracker.growth()
        if self._server is not None:
            self._server.text = exposition(sample, growth, self.samples, self.top, self.info)
        if self.otlp is not None:
            self.otlp.publish(sample, growth, self.samples)

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self.otlp is not None:
            self.otlp.close()


class OtlpExporter:
    """The same numbers through OTLP/HTTP (the ``otlp`` extra: opentelemetry-sdk
    and its OTLP exporter), pushed once per sample.  OpenTelemetry's names:
    dotted, the unit apart (``By``, ``s``, ``{object}``)."""

    def __init__(self, endpoint: str, top: int = 50, info: dict[str, str] | None = None) -> None:
        try:
            from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
            from opentelemetry.metrics import CallbackOptions, Observation
            from opentelemetry.sdk.metrics import MeterProvider
            from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
            from opentelemetry.sdk.resources import Resource
        except ImportError:
            raise MetricsError(
                "--otlp needs opentelemetry-sdk and its OTLP exporter: pip install 'heapscope[otlp]'"
            ) from None
        self.top = top
        self.endpoint = endpoint
        self._sample: Sample | None = None
        self._growth: dict[str, tuple[int, int]] = {}
        self._samples = 0
        attrs = {"service.name": "heapscope", **{f"process.{k}": v for k, v in (info or {}).items()}}
        # One export per flush: the periodic reader's own timer is set far apart.
        self._reader = PeriodicExportingMetricReader(
            OTLPMetricExporter(endpoint=endpoint, timeout=5), export_interval_millis=3_600_000
        )
        self._provider = MeterProvider(metric_readers=[self._reader], resource=Resource.create(attrs))
        meter = self._provider.get_meter("heapscope")

        def per_type(index: int, growth: bool) -> Callable[[CallbackOptions], list[Observation]]:
            def observe(options: CallbackOptions) -> list[Observation]:
                s = self._sample
                if s is None:
                    return []
                rows = sorted(s.rows, key=lambda r: (-r[2], -r[1], r[0]))
                shown, rest = rows[: self.top], rows[self.top :]
                if growth:
                    names = {r[0] for r in shown}
                    other = sum(v[index - 1] for t, v in self._growth.items() if t not in names)
                    obs = [
                        Observation(self._growth.get(t, (0, 0))[index - 1], {"type": t}) for t, _, _ in shown
                    ]
                else:
                    other = sum(r[index] for r in rest)
                    obs = [Observation(r[index], {"type": r[0]}) for r in shown]
                return [*obs, Observation(other, {"type": "other"})]

            return observe

        def one(fn: Callable[[Sample], float]) -> Callable[[CallbackOptions], list[Observation]]:
            return lambda options: [] if self._sample is None else [Observation(fn(self._sample))]

        gauge = meter.create_observable_gauge
        gauge(
            "heapscope.live_objects",
            [per_type(1, False)],
            unit="{object}",
            description="Live objects per type",
        )
        gauge("heapscope.live_bytes", [per_type(2, False)], unit="By", description="Shallow bytes per type")
        gauge(
            "heapscope.growth_objects",
            [per_type(1, True)],
            unit="{object}",
            description="Change per interval",
        )
        gauge(
            "heapscope.growth_bytes",
            [per_type(2, True)],
            unit="By",
            description="Change in bytes per interval",
        )
        gauge(
            "heapscope.leak_suspects",
            [one(lambda s: len(s.suspects))],
            unit="{type}",
            description="Leak suspects",
        )
        gauge(
            "heapscope.leak_suspect_retained",
            [one(lambda s: s.suspect_retained)],
            unit="By",
            description="Bytes retained by the suspects' new objects",
        )
        gauge(
            "heapscope.sample_duration", [one(lambda s: s.duration)], unit="s", description="Sample duration"
        )
        gauge("heapscope.target_stopped", [one(lambda s: s.stopped)], unit="s", description="Target stopped")
        meter.create_observable_counter(
            "heapscope.samples", [lambda options: [Observation(self._samples)]], unit="{sample}"
        )

    def publish(self, sample: Sample, growth: dict[str, tuple[int, int]], samples: int) -> None:
        self._sample, self._growth, self._samples = sample, growth, samples
        # A collector that is down costs a warning from the SDK's logger, not the watch.
        self._reader.force_flush(timeout_millis=10_000)

    def close(self) -> None:
        self._provider.shutdown()
