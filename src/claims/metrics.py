"""Prometheus metrics of one process (`claims serve` or `claims project`), served at /metrics.

Counted as things happen: RPCs by method and status code, with their latency (the gRPC interceptor), commit
batch sizes (the store's commit hook), commitment-timer ticks, clocks found due and consequences sent.
Read from the store at each scrape (so every process shows the same truth, whoever does the work): the
log's head, each projection's tracking position, how far behind the head it is (positions and seconds
since the oldest event it has not processed was recorded), and the hash chain's sealed position.

Each ``Metrics`` has its own registry, so several engines in one process (tests) do not mix their series.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

log = logging.getLogger("claims.metrics")

# Latency buckets (seconds) for calls from sub-millisecond reads to multi-second waits on min_position.
RPC_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# Events per committed transaction (one append, or a group commit of many).
BATCH_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000)


@dataclass(frozen=True)
class LogSnapshot:
    """What the store says at a scrape: the head, each projection's position and lag, the sealed position."""

    head: int
    positions: dict[str, int] = field(default_factory=dict)
    seconds_behind: dict[str, float] = field(default_factory=dict)
    sealed: int | None = None


LogProbe = Callable[[], LogSnapshot]


class _StoreCollector(Collector):
    """Asks the probe at each scrape; a store that does not answer shows as ``claims_store_up 0``."""

    def __init__(self, probe: LogProbe) -> None:
        self._probe = probe

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("claims_store_up", "1 when the store answered the last scrape's queries, else 0")
        try:
            snapshot = self._probe()
        except Exception:
            log.warning("metrics: the store did not answer", exc_info=True)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield GaugeMetricFamily("claims_log_head_position", "the global position of the last stored event",
                                value=snapshot.head)  # fmt: skip
        position = GaugeMetricFamily(
            "claims_projection_position", "how far the projection has processed the log", labels=["projection"]
        )
        behind = GaugeMetricFamily(
            "claims_projection_lag_positions", "log head minus the projection's position", labels=["projection"]
        )
        seconds = GaugeMetricFamily(
            "claims_projection_lag_seconds",
            "seconds since the oldest event the projection has not processed was recorded (0 when caught up)",
            labels=["projection"],
        )
        for name, at in sorted(snapshot.positions.items()):
            position.add_metric([name], at)
            behind.add_metric([name], max(snapshot.head - at, 0))
            seconds.add_metric([name], snapshot.seconds_behind.get(name, 0.0))
        yield from (position, behind, seconds)
        if snapshot.sealed is not None:
            yield GaugeMetricFamily("claims_chain_sealed_position", "the last position sealed into the hash chain",
                                    value=snapshot.sealed)  # fmt: skip


def _split(method: str) -> tuple[str, str]:
    """``/package.Service/Method`` → (``package.Service``, ``Method``)."""
    service, _, name = method.lstrip("/").rpartition("/")
    return service, name


class _WorkerCollector(Collector):
    """Whether each of this process's projection workers is the active one (1) or a standby (0)."""

    def __init__(self, active: Callable[[], dict[str, bool]]) -> None:
        self._active = active

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(
            "claims_projection_worker_active",
            "1 while this process's worker runs the projection (holds its lock), 0 while it waits as a standby",
            labels=["projection"],
        )
        for name, active in sorted(self._active().items()):
            family.add_metric([name], 1 if active else 0)
        yield family


class Metrics:
    """The process's metrics and, once ``serve`` is called, the HTTP endpoint that exposes them."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.rpc_started = Counter(
            "grpc_server_started_total", "RPCs started on the server",
            ["grpc_service", "grpc_method", "grpc_type"], registry=self.registry,
        )  # fmt: skip
        self.rpc_handled = Counter(
            "grpc_server_handled_total", "RPCs completed on the server, by status code",
            ["grpc_service", "grpc_method", "grpc_type", "grpc_code"], registry=self.registry,
        )  # fmt: skip
        self.rpc_seconds = Histogram(
            "grpc_server_handling_seconds", "time from the start of an RPC to its status, by status code",
            ["grpc_service", "grpc_method", "grpc_type", "grpc_code"], buckets=RPC_BUCKETS, registry=self.registry,
        )  # fmt: skip
        self.commit_batch = Histogram(
            "claims_commit_batch_commands", "commands written by one committed store transaction (group commit)",
            buckets=BATCH_BUCKETS, registry=self.registry,
        )  # fmt: skip
        self.timer_ticks = Counter("claims_timer_ticks_total", "commitment timer ticks", registry=self.registry)
        self.timer_due = Gauge(
            "claims_timer_due_clocks", "commitment clocks found run out at the last tick (at most one batch)",
            registry=self.registry,
        )  # fmt: skip
        self.timer_fired = Counter(
            "claims_timer_fired_total", "consequences the timer sent for clocks that ran out (deemed approval, breach)",
            ["consequence"], registry=self.registry,
        )  # fmt: skip
        self.timer_refused = Counter(
            "claims_timer_refused_total", "consequences the application refused (logged and skipped)",
            registry=self.registry,
        )  # fmt: skip
        self.projection_batches = Counter(
            "claims_projection_batches_total", "batches this process committed per projection", ["projection"],
            registry=self.registry,
        )  # fmt: skip
        self._handled: dict[tuple[str, str, str], tuple[Counter, Histogram]] = {}
        self._started: dict[tuple[str, str], Counter] = {}
        self._server: WSGIServer | None = None
        self.port: int | None = None

    def watch_store(self, probe: LogProbe) -> None:
        """Report the head, projection lag and sealed position from ``probe`` at each scrape."""
        self.registry.register(_StoreCollector(probe))

    def watch_workers(self, active: Callable[[], dict[str, bool]]) -> None:
        """Report, at each scrape, which of this process's projection workers are active (`claims project`)."""
        self.registry.register(_WorkerCollector(active))

    def record_rpc(self, method: str, kind: str, code: str, seconds: float) -> None:
        """One finished RPC: ``method`` is the full gRPC path (``/package.Service/Method``)."""
        children = self._handled.get((method, kind, code))
        if children is None:  # labels() takes a lock and builds a key: done once per method, kind and code
            labels = (*_split(method), kind, code)
            children = self._handled[(method, kind, code)] = (
                self.rpc_handled.labels(*labels), self.rpc_seconds.labels(*labels),
            )  # fmt: skip
        children[0].inc()
        children[1].observe(seconds)

    def record_rpc_started(self, method: str, kind: str) -> None:
        child = self._started.get((method, kind))
        if child is None:
            child = self._started[(method, kind)] = self.rpc_started.labels(*_split(method), kind)
        child.inc()

    def record_commit_batch(self, size: int) -> None:
        """One committed transaction of ``size`` commands (the store's ``observe_commits`` callback)."""
        self.commit_batch.observe(size)

    def record_timer_tick(self, due: int, fired: list[str], refused: int) -> None:
        """One timer tick: the clocks found due, the consequence of each one sent, how many were refused."""
        self.timer_ticks.inc()
        self.timer_due.set(due)
        for consequence in fired:
            self.timer_fired.labels(consequence).inc()
        if refused:
            self.timer_refused.inc(refused)

    def record_projection_batch(self, name: str, _position: int) -> None:
        """A projection committed a batch (the runner's ``on_progress`` observer)."""
        self.projection_batches.labels(name).inc()

    def serve(self, listen: str) -> int:
        """Serve /metrics on ``listen`` (host:port; port 0 picks one) in a daemon thread; the port bound."""
        host, _, port = listen.rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"CLAIMS_METRICS_LISTEN must be host:port, not {listen!r}")
        server, _thread = start_http_server(int(port), addr=host.strip("[]"), registry=self.registry)
        self._server = server
        self.port = int(server.server_port)
        return self.port

    def close(self) -> None:
        """Stop serving /metrics."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
