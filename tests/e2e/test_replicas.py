"""Two `claims serve` replicas and a `claims project` worker on one PostgreSQL schema: one consistent history."""

from __future__ import annotations

import itertools
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import grpc
import pytest
from google.protobuf import json_format

from claims.adapters.persistence.factory import Persistence, StoreLocation, open_store
from claims.adapters.persistence.migrations import apply_migrations
from claims.api.v1 import claims_pb2, claims_pb2_grpc, common_pb2, vehicles_pb2, vehicles_pb2_grpc
from claims.application.messages import RecordedEvent
from claims.application.requests import RequestAccepted
from claims.projections import registry
from claims.projections.rebuild import rebuild
from tests.conftest import MIGRATIONS
from tests.e2e import replica_load as claims_load

CLAIMS = [sys.executable, "-m", "claims"]
CLIENTS_PER_REPLICA = 2
CLAIMS_PER_CLIENT = 4
READINGS_PER_CLIENT = 12


def url(location: StoreLocation) -> str:
    return f"postgresql://{location.user}@{location.host}:{location.port}/{location.dbname}?schema={location.schema}"


class Replica:
    """A `claims serve` process; its address once it listens."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log.open("w")
        self.process = subprocess.Popen([*CLAIMS, "serve"], env=env, stderr=subprocess.PIPE, text=True)
        assert self.process.stderr is not None
        line = self.process.stderr.readline()
        found = re.search(r"listening on ([\d.]+:\d+)", line)
        if not found:
            self.stop()
            raise AssertionError(f"the replica did not start: {line}")
        self.target = found.group(1)
        # Keep draining its log so it never blocks on a full pipe.
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.log.write(line)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)
        self.log.close()


@pytest.fixture
def schema(postgres_schema: StoreLocation) -> StoreLocation:
    apply_migrations(postgres_schema, MIGRATIONS)
    return postgres_schema


@pytest.fixture
def cluster(schema: StoreLocation, tmp_path: Path) -> Iterator[list[Replica]]:
    """Two replicas without in-process projections or timers, and one worker running every projection."""
    env = {
        **os.environ,
        "CLAIMS_STORE_URL": url(schema),
        "CLAIMS_LISTEN": "127.0.0.1:0",
        "CLAIMS_LOG_LEVEL": "INFO",
        "CLAIMS_RUN_PROJECTIONS": "false",
        "CLAIMS_TIMER_INTERVAL_SECONDS": "0",
        "CLAIMS_AUTH": "off",
    }
    replicas: list[Replica] = []
    worker_log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen([*CLAIMS, "project"], env=env, stderr=worker_log)
    try:
        replicas += [Replica(env, tmp_path / f"replica-{i}.log") for i in range(2)]
        yield replicas
    finally:
        for replica in replicas:
            replica.stop()
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
        worker_log.close()


class Ledger:
    """What the clients were told: OK'd request ids with their results, and the request ids that failed."""

    def __init__(self) -> None:
        self.ok: dict[str, tuple[str, int, int]] = {}
        self.failed: dict[str, grpc.StatusCode] = {}
        self._lock = threading.Lock()

    def call(self, request_id: str, invoke: Callable[[], object]) -> None:
        try:
            response = invoke()
        except grpc.RpcError as e:
            with self._lock:
                self.failed[request_id] = e.code()
            return
        result = response.result  # type: ignore[attr-defined]
        with self._lock:
            self.ok[request_id] = (result.stream_id, result.version, result.position)


def _file_claim(run: str, client: int, n: int) -> claims_pb2.FileClaimRequest:
    """The bench's three-line claim for client ``client``'s repair order ``n`` (see tests/e2e/replica_load.py)."""
    eur = {"currency": "EUR"}
    return json_format.ParseDict({
        "request_id": str(uuid.uuid4()), "dealer_id": f"B{run}{client:02d}", "claim_number": f"C-{n}",
        "claim_type": "CLAIM_TYPE_NORMAL_REPAIR", "ro_number": f"RO-{n}", "vin": f"BENCH-{run}-{client:02d}-{n:05d}",
        "currency": "EUR",
        "header": {"odometer": {"value": str(n), "unit": "DISTANCE_UNIT_HOURS"},
                   "defect": {"causal_part_number": "RELAY-1", "failure_code": "E042"},
                   "component_group": "COMPONENT_GROUP_WHOLE_PRODUCT", "complaint": "does not start",
                   "cause": "worn relay", "correction": "replaced relay"},
        "lines": [
            {"line_no": 1, "labour": {"operation_code": "ELE001", "hours": "0.5", "rate": {"amount": "90.00"} | eur}},
            {"line_no": 2, "part": {"part_number": "RELAY-1", "quantity": 1, "unit_price": {"amount": "12.50"} | eur,
                                    "causal": True}},
            {"line_no": 3, "other": {"kind": "OTHER_KIND_TRAVEL", "amount": {"amount": "20.00"} | eur}},
        ],
    }, claims_pb2.FileClaimRequest())  # fmt: skip


def _in_threads(work: Sequence[Callable[[], object]]) -> None:
    errors: list[BaseException] = []

    def run(job: Callable[[], object]) -> None:
        try:
            job()
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(job,)) for job in work]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors


def _each(call: Callable[[grpc.Channel, int, int], None], channel: grpc.Channel, client: int) -> None:
    for n in range(CLAIMS_PER_CLIENT):
        call(channel, client, n)


def _whole_log(store: Persistence) -> list[RecordedEvent]:
    events: list[RecordedEvent] = []
    while batch := store.events.read_all(events[-1].position if events else 0, 1000):  # type: ignore[arg-type]
        events += batch
    return events


def _eventually(condition: Callable[[], bool], timeout: float = 120.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_two_replicas_and_a_worker_write_one_consistent_history(
    schema: StoreLocation, cluster: list[Replica], tmp_path: Path
) -> None:
    # given two replicas on one schema, each client's vehicle and repair orders set up through one replica
    run = uuid.uuid4().hex[:6].upper()
    channels = [grpc.insecure_channel(r.target) for r in cluster]
    clients = [(c, channels[c % 2]) for c in range(2 * CLIENTS_PER_REPLICA)]
    setup = claims_load.setup_call(run)
    _in_threads([partial(_each, setup, ch, c) for c, ch in clients])
    shared = f"SHARED-{run}"
    sold = (datetime.now(UTC) - timedelta(days=100)).date().isoformat()
    vehicles_pb2_grpc.VehicleServiceStub(channels[0]).RegisterVehicle(json_format.ParseDict({
        "request_id": str(uuid.uuid4()), "identifier": shared, "identifier_kind": "IDENTIFIER_KIND_SERIAL",
        "model": "Shared", "jurisdiction": "EU-DE", "dealer_id": "D1", "owner_ref": "C1", "invoice_date": sold,
        "delivery_date": sold, "price": {"amount": "999.00", "currency": "EUR"},
        "odometer_at_delivery": {"value": "0", "unit": "DISTANCE_UNIT_HOURS"},
    }, vehicles_pb2.RegisterVehicleRequest()), timeout=30)  # fmt: skip
    ledger = Ledger()
    counter, counter_lock = itertools.count(1), threading.Lock()
    start = datetime.now(UTC) - timedelta(days=50)

    def file_through_the_other_replica(client: int) -> None:
        stub = claims_pb2_grpc.ClaimServiceStub(channels[(client + 1) % 2])  # the replica that set nothing up
        for n in range(CLAIMS_PER_CLIENT):
            request = _file_claim(run, client, n)
            ledger.call(request.request_id, partial(stub.FileClaim, request, timeout=30))

    def read_the_shared_odometer(client: int) -> None:
        stub = vehicles_pb2_grpc.VehicleServiceStub(channels[client % 2])
        for _ in range(READINGS_PER_CLIENT):
            with counter_lock:
                value = next(counter)
            request = vehicles_pb2.RecordOdometerReadingRequest(request_id=str(uuid.uuid4()), identifier=shared)
            request.reading.value, request.reading.unit = str(value), common_pb2.DISTANCE_UNIT_HOURS
            request.read_at.FromDatetime(start + timedelta(minutes=value))
            ledger.call(request.request_id, partial(stub.RecordOdometerReading, request, timeout=30))

    # when clients file claims and record readings of one vehicle through both replicas at once
    _in_threads(
        [partial(file_through_the_other_replica, c) for c, _ in clients]
        + [partial(read_the_shared_odometer, c) for c, _ in clients]
    )
    for channel in channels:
        channel.close()

    # then every OK'd command's events are in the log exactly once, and a failed command wrote nothing
    store = open_store(schema)
    try:
        log = _whole_log(store)
        by_request: dict[str, list[RecordedEvent]] = defaultdict(list)
        for event in log:
            by_request[event.metadata.request_id].append(event)
        filings = len(clients) * CLAIMS_PER_CLIENT
        assert len(ledger.ok) > filings  # every filing and some readings (a reading below the last is refused)
        for request_id, (stream_id, version, position) in ledger.ok.items():
            written = by_request[request_id]
            assert sum(isinstance(e.event, RequestAccepted) for e in written) == 1
            target = [e for e in written if str(e.stream_id) == stream_id and e.version == version]
            assert len(target) == 1, (request_id, written)
            assert max(e.position or 0 for e in written) == position
        for request_id in ledger.failed:
            assert by_request.get(request_id, []) == []
        # every filing succeeded; a reading may be refused (out of order) or give up after retries, never lost
        refusals = (grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.ABORTED)
        assert all(code in refusals for code in ledger.failed.values()), ledger.failed
        # versions are gapless per stream, positions strictly increasing
        versions: dict[object, list[int]] = defaultdict(list)
        for event in log:
            versions[event.stream_id].append(event.version)
        assert all(v == list(range(1, len(v) + 1)) for v in versions.values())
        positions = [e.position or 0 for e in log]
        assert positions == sorted(set(positions))

        # and the read models the worker built equal a rebuild, and the hash chain verifies
        head = store.events.head_position()
        assert store.database is not None
        database = store.database

        def caught_up() -> bool:
            with database.read() as tx:
                rows = tx.rows("SELECT projection, position FROM projection_tracking")
            reached = {r["projection"]: int(r["position"]) for r in rows}
            return all(reached.get(name, 0) >= head for name in registry.names())

        assert _eventually(caught_up), "the worker did not catch up"
        for name in registry.names():
            projection = registry.create(name)
            report = rebuild(store, projection, registry.tables_of(projection), swap=False)
            assert report.equal, (name, report.difference and report.difference.describe())
    finally:
        store.close()
    verified = subprocess.run(
        [*CLAIMS, "audit", "verify"],
        env={**os.environ, "CLAIMS_STORE_URL": url(schema)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
