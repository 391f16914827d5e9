"""What an operator sees of a real server: Prometheus metrics scraped over HTTP, JSON logs carrying each call's
request and correlation ids, and OpenTelemetry spans from the standard gRPC instrumentation (only when on)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import grpc
import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client.parser import text_string_to_metric_families

from claims.adapters.persistence.factory import StoreLocation, parse_store_url
from claims.adapters.persistence.migrations import apply_migrations
from claims.api.v1 import audit_pb2, audit_pb2_grpc, vehicles_pb2, vehicles_pb2_grpc
from claims.bootstrap import start_engine
from claims.config import Settings
from claims.demo.dealership import make_vin
from claims.projections.registry import names as projection_names
from tests.conftest import MIGRATIONS, FixedClock
from tests.e2e.conftest import Api
from tests.e2e.requests import register_request
from tests.e2e.test_statutory_api import registered, repair

VEHICLES = "claims.api.v1.VehicleService"

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(api: Api) -> Samples:
    """Every sample the server's /metrics endpoint shows, by name and labels."""
    assert api.engine.metrics is not None
    assert api.engine.metrics.port
    with urllib.request.urlopen(f"http://127.0.0.1:{api.engine.metrics.port}/metrics", timeout=5) as response:
        assert response.status == 200
        text = response.read().decode()
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def sample(samples: Samples, name: str, labels: dict[str, str] | None = None, **more: str) -> float:
    return samples.get((name, frozenset({**(labels or {}), **more}.items())), 0.0)


def rpc(method: str, code: str, suffix: str = "total") -> tuple[str, dict[str, str]]:
    name = "grpc_server_handled_total" if suffix == "total" else f"grpc_server_handling_seconds_{suffix}"
    return name, {"grpc_service": VEHICLES, "grpc_method": method, "grpc_type": "unary", "grpc_code": code}


def _servers(url: str, clock: FixedClock) -> Iterator[Callable[..., Api]]:
    apply_migrations(parse_store_url(url), MIGRATIONS)
    started: list[Api] = []

    def start(exporter: InMemorySpanExporter | None = None, **overrides: Any) -> Api:
        fields: dict[str, Any] = {"metrics_listen": "127.0.0.1:0", "auth": "off", **overrides}
        settings = Settings(store_url=url, listen="127.0.0.1:0", grace_seconds=1, migrations_dir=MIGRATIONS, **fields)
        engine = start_engine(settings, clock, span_exporter=exporter)
        channel = grpc.insecure_channel(f"127.0.0.1:{engine.port}")
        started.append(Api(engine, channel, vehicles_pb2_grpc.VehicleServiceStub(channel)))
        return started[-1]

    yield start
    for api in started:
        api.channel.close()
        api.engine.stop(grace=1)


@pytest.fixture
def serve(tmp_path: Path, clock: FixedClock) -> Iterator[Callable[..., Api]]:
    """Start real servers on SQLite with the given settings (metrics on a free port unless told otherwise)."""
    yield from _servers(f"sqlite:///{tmp_path / 'claims.db'}", clock)


@pytest.fixture
def pg_serve(postgres_schema: StoreLocation, clock: FixedClock) -> Iterator[Callable[..., Api]]:
    """The same on a fresh PostgreSQL schema."""
    from tests.conftest import POSTGRES_DSN

    yield from _servers(f"{POSTGRES_DSN}{'&' if '?' in POSTGRES_DSN else '?'}schema={postgres_schema.schema}", clock)


# --- metrics ---------------------------------------------------------------------------------------


def test_rpc_counts_and_latency_move_by_method_and_status_code(serve: Callable[..., Api]) -> None:
    api = serve()
    before = scrape(api)
    assert sample(before, *rpc("RegisterVehicle", "OK")) == 0

    api.vehicles.RegisterVehicle(register_request(), timeout=5)
    with pytest.raises(grpc.RpcError) as refused:
        api.vehicles.RegisterVehicle(register_request(identifier="NOT A VIN"), timeout=5)
    assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(grpc.RpcError):
        api.vehicles.RegisterVehicle(register_request(), timeout=5)  # the same VIN again

    after = scrape(api)
    assert sample(after, *rpc("RegisterVehicle", "OK")) == 1
    assert sample(after, *rpc("RegisterVehicle", "INVALID_ARGUMENT")) == 1
    assert sample(after, *rpc("RegisterVehicle", "ALREADY_EXISTS")) == 1
    assert sample(after, *rpc("RegisterVehicle", "OK", "count")) == 1
    assert sample(after, *rpc("RegisterVehicle", "OK", "sum")) > 0
    started = {"grpc_service": VEHICLES, "grpc_method": "RegisterVehicle", "grpc_type": "unary"}
    assert sample(after, "grpc_server_started_total", started) == 3


def test_a_server_stream_is_counted_when_it_ends(serve: Callable[..., Api]) -> None:
    api = serve()
    api.vehicles.RegisterVehicle(register_request(), timeout=5)
    events = list(audit_pb2_grpc.AuditServiceStub(api.channel).StreamEvents(audit_pb2.StreamEventsRequest(), timeout=5))
    assert len(events) == api.head()
    labels = {"grpc_service": "claims.api.v1.AuditService", "grpc_method": "StreamEvents", "grpc_type": "server_stream"}
    samples = scrape(api)
    assert sample(samples, "grpc_server_handled_total", labels, grpc_code="OK") == 1
    assert sample(samples, "grpc_server_handling_seconds_count", labels, grpc_code="OK") == 1


@pytest.mark.parametrize("store", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_projection_lag_in_positions_and_seconds_falls_to_zero_when_the_projections_catch_up(
    store: str, request: pytest.FixtureRequest, clock: FixedClock
) -> None:
    serve: Callable[..., Api] = request.getfixturevalue("serve" if store == "sqlite" else "pg_serve")
    # given a server whose projections run elsewhere (nobody runs them yet), and a vehicle registered
    api = serve(run_projections=False)
    api.vehicles.RegisterVehicle(register_request(), timeout=5)
    head = api.head()
    clock.advance(seconds=90)

    # then every projection is the whole log behind, the oldest unprocessed event 90 seconds old
    behind = scrape(api)
    assert sample(behind, "claims_log_head_position") == head > 0
    assert sample(behind, "claims_store_up") == 1
    for name in projection_names():
        assert sample(behind, "claims_projection_position", projection=name) == 0
        assert sample(behind, "claims_projection_lag_positions", projection=name) == head
        assert sample(behind, "claims_projection_lag_seconds", projection=name) == 90
    assert sample(behind, "claims_chain_sealed_position") == 0

    # when they catch up
    assert api.engine.runner is not None
    api.engine.runner.catch_up()

    # then the lag is gone and the chain is sealed up to the head
    caught_up = scrape(api)
    for name in projection_names():
        assert sample(caught_up, "claims_projection_position", projection=name) == head
        assert sample(caught_up, "claims_projection_lag_positions", projection=name) == 0
        assert sample(caught_up, "claims_projection_lag_seconds", projection=name) == 0
        assert sample(caught_up, "claims_projection_batches_total", projection=name) == 1
    assert sample(caught_up, "claims_chain_sealed_position") == head


def test_timer_ticks_report_the_clocks_due_and_the_consequences_fired(serve: Callable[..., Api]) -> None:
    # given a CN vehicle repaired for 130 h three weeks ago: the courtesy-car and 48-hour clocks ran out
    api = serve()
    registered(api)
    repair(api, 1, datetime.fromisoformat("2026-11-02T08:00:00+00:00"), hours=130)
    assert api.engine.timer is not None

    # when the server's timer ticks twice
    first = api.engine.timer.timer.tick()
    second = api.engine.timer.timer.tick()

    # then the first tick found two clocks due and fired both; the second found none
    assert len(first) == 2
    assert second == []
    samples = scrape(api)
    assert sample(samples, "claims_timer_ticks_total") == 2
    assert sample(samples, "claims_timer_fired_total", consequence="breach") == 2
    assert sample(samples, "claims_timer_due_clocks") == 0
    assert sample(samples, "claims_timer_refused_total") == 0


def test_commit_batch_sizes_are_a_histogram_fed_by_the_store(serve: Callable[..., Api]) -> None:
    # given a server, when three vehicles are registered one after another (each its own transaction)
    api = serve()
    before = scrape(api)
    for n in range(3):
        api.vehicles.RegisterVehicle(register_request(identifier=make_vin("AB7", n)), timeout=5)
    # then the store's commit hook recorded three transactions of one command each
    after = scrape(api)
    count, total = "claims_commit_batch_commands_count", "claims_commit_batch_commands_sum"
    assert sample(after, count) - sample(before, count) == 3
    assert sample(after, total) - sample(before, total) == 3
    assert sample(after, "claims_commit_batch_commands_bucket", le="1.0") >= 3


def test_no_metrics_endpoint_when_the_setting_is_empty(serve: Callable[..., Api]) -> None:
    api = serve(metrics_listen="")
    assert api.engine.metrics is None
    api.vehicles.RegisterVehicle(register_request(), timeout=5)


# --- logs ------------------------------------------------------------------------------------------


def test_each_call_logs_json_with_its_request_and_correlation_ids(
    serve: Callable[..., Api], log_lines: Callable[[], list[dict[str, Any]]]
) -> None:
    api = serve(metrics_listen="")
    request = register_request()
    api.vehicles.RegisterVehicle(request, timeout=5, metadata=(("x-correlation-id", "visit-42"),))
    with pytest.raises(grpc.RpcError):
        api.vehicles.RegisterVehicle(register_request(identifier="NOT A VIN"), timeout=5)
    api.vehicles.GetVehicle(
        _get_vehicle(), timeout=5, metadata=(("x-request-id", "read-7"), ("x-correlation-id", "visit-42"))
    )

    calls = [line for line in log_lines() if line["logger"] == "claims.rpc"]
    assert [(c["level"], c["method"].rsplit("/", 1)[1]) for c in calls] == [
        ("DEBUG", "RegisterVehicle"), ("INFO", "RegisterVehicle"), ("DEBUG", "GetVehicle"),
    ]  # fmt: skip
    ok, bad, read = calls
    assert (ok["request_id"], ok["correlation_id"]) == (request.request_id, "visit-42")
    assert "INVALID_ARGUMENT" in bad["message"]
    assert bad["correlation_id"]
    assert bad["request_id"]
    assert bad["correlation_id"] != "visit-42"
    assert (read["request_id"], read["correlation_id"]) == ("read-7", "visit-42")
    assert all(line["time"].endswith("+00:00") for line in calls)


def test_a_call_without_a_correlation_header_stores_the_correlation_id_its_logs_carry(
    serve: Callable[..., Api], log_lines: Callable[[], list[dict[str, Any]]]
) -> None:
    api = serve(metrics_listen="")
    api.vehicles.RegisterVehicle(register_request(), timeout=5)
    (logged,) = [line for line in log_lines() if line["logger"] == "claims.rpc"]
    (stored,) = api.engine.persistence.events.read_all(0, 1)
    assert stored.metadata.correlation_id == logged["correlation_id"]
    assert stored.metadata.request_id == logged["request_id"]


def _get_vehicle() -> Any:
    return vehicles_pb2.GetVehicleRequest(identifier=register_request().identifier, as_of_date="2026-01-12")


# --- tracing ---------------------------------------------------------------------------------------


def test_tracing_on_makes_one_server_span_per_rpc_and_puts_the_trace_id_in_the_logs(
    serve: Callable[..., Api], log_lines: Callable[[], list[dict[str, Any]]]
) -> None:
    exporter = InMemorySpanExporter()
    api = serve(exporter, tracing="otlp", metrics_listen="")
    caller_trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    api.vehicles.RegisterVehicle(register_request(), timeout=5)
    with pytest.raises(grpc.RpcError):  # an unknown vehicle, in the caller's trace
        api.vehicles.GetVehicle(
            vehicles_pb2.GetVehicleRequest(identifier="1GNSKCKD5SR000001", as_of_date="2026-01-12"),
            timeout=5,
            metadata=(("traceparent", f"00-{caller_trace}-00f067aa0ba902b7-01"),),
        )
    assert api.engine.tracer is not None
    assert api.engine.tracer.force_flush()

    spans = exporter.get_finished_spans()
    assert [s.name for s in spans] == [f"/{VEHICLES}/RegisterVehicle", f"/{VEHICLES}/GetVehicle"]
    assert all(s.kind.name == "SERVER" for s in spans)
    registered, missing = spans
    assert (registered.attributes or {})["rpc.grpc.status_code"] == grpc.StatusCode.OK.value[0]
    assert (missing.attributes or {})["rpc.grpc.status_code"] == grpc.StatusCode.NOT_FOUND.value[0]
    assert format(missing.context.trace_id, "032x") == caller_trace
    logged = {line["method"]: line for line in log_lines() if line["logger"] == "claims.rpc"}
    for span in spans:
        assert logged[span.name]["trace_id"] == format(span.context.trace_id, "032x")


def test_tracing_off_makes_no_span(serve: Callable[..., Api]) -> None:
    exporter = InMemorySpanExporter()
    api = serve(exporter, tracing="off", metrics_listen="")
    api.vehicles.RegisterVehicle(register_request(), timeout=5)
    assert api.engine.tracer is None
    assert exporter.get_finished_spans() == ()


# --- the processes ---------------------------------------------------------------------------------


def test_claims_project_logs_json_and_serves_its_projections_progress_as_metrics(
    serve: Callable[..., Api], tmp_path: Path
) -> None:
    # given a store with events no projection has processed (the server leaves them to workers)
    api = serve(run_projections=False, metrics_listen="")
    api.vehicles.RegisterVehicle(register_request(), timeout=5)
    head = api.head()
    api.channel.close()
    api.engine.stop(grace=1)

    # when `claims project` runs with metrics and JSON logs
    env = {
        **os.environ,
        "CLAIMS_STORE_URL": f"sqlite:///{tmp_path / 'claims.db'}",
        "CLAIMS_MIGRATIONS_DIR": str(MIGRATIONS),
        "CLAIMS_METRICS_LISTEN": "127.0.0.1:0",
        "CLAIMS_LOG_FORMAT": "json",
    }
    process = subprocess.Popen([sys.executable, "-m", "claims", "project"], env=env, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr is not None
        line = json.loads(process.stderr.readline())
        assert {"time", "level", "logger", "message"} <= line.keys()
        found = re.search(r"port (\d+)\)", line["message"])
        assert found, line
        url = f"http://127.0.0.1:{found.group(1)}/metrics"

        # then its metrics show every projection reaching the head (scraped until they do)
        positions: dict[str, float] = {}
        for _ in range(200):
            with urllib.request.urlopen(url, timeout=5) as response:
                text = response.read().decode()
            positions = {
                s.labels["projection"]: s.value
                for family in text_string_to_metric_families(text)
                for s in family.samples
                if s.name == "claims_projection_position"
            }
            if positions and all(p == head for p in positions.values()):
                break
            threading.Event().wait(0.05)
        assert positions == dict.fromkeys(projection_names(), float(head))
        assert f"claims_chain_sealed_position {float(head)}" in text
        active = {
            s.labels["projection"]: s.value
            for family in text_string_to_metric_families(text)
            for s in family.samples
            if s.name == "claims_projection_worker_active"
        }
        assert active == dict.fromkeys(projection_names(), 1.0)  # SQLite: no lock, every worker is active
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    assert process.returncode == 0
