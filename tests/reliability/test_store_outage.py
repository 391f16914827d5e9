"""PostgreSQL going away (a restart, a partition, connections dropped mid-transaction): UNAVAILABLE while it is
gone, health NOT_SERVING, recovery by itself, and nothing half-written."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime

import grpc
import psycopg
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from claims.adapters.persistence.factory import StoreLocation, open_store
from claims.adapters.persistence.migrations import apply_migrations
from claims.bootstrap import Engine, start_engine
from claims.config import Settings
from soak.crash import STUBS, Client, Findings, Sent, check_log, send
from soak.proxy import CuttableProxy
from tests.conftest import MIGRATIONS, POSTGRES_DSN

SERVING, NOT_SERVING = health_pb2.HealthCheckResponse.SERVING, health_pb2.HealthCheckResponse.NOT_SERVING


def eventually(condition: Callable[[], bool], timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def postgres_url(location: StoreLocation) -> str:
    return f"postgresql://{location.user}@{location.host}:{location.port}/{location.dbname}?schema={location.schema}"


@pytest.fixture
def behind_proxy(postgres_schema: StoreLocation) -> Iterator[tuple[Engine, CuttableProxy, grpc.Channel]]:
    """A server whose only way to PostgreSQL is a proxy the test can cut."""
    apply_migrations(postgres_schema, MIGRATIONS)
    with CuttableProxy((postgres_schema.host, postgres_schema.port)) as proxy:
        settings = Settings(
            store_url=postgres_url(replace(postgres_schema, port=proxy.port)), listen="127.0.0.1:0",
            grace_seconds=1, migrations_dir=MIGRATIONS, health_interval_seconds=0.2, timer_interval_seconds=0,
            auth="off",
        )  # fmt: skip
        engine = start_engine(settings)
        channel = grpc.insecure_channel(f"127.0.0.1:{engine.port}")
        try:
            yield engine, proxy, channel
        finally:
            channel.close()
            proxy.restore()
            engine.stop(grace=1)


def terminate_backends(schema: str) -> int:
    """What a PostgreSQL restart or an administrator does to a server's sessions: end them, transactions and all
    (the sessions whose last statement named this test's schema; never another test's)."""
    with psycopg.connect(POSTGRES_DSN, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid()"
            " AND datname = current_database() AND query LIKE %s",
            (f"%{schema}%",),
        ).fetchall()
    return len(rows)


def health(channel: grpc.Channel) -> int:
    try:
        return int(health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=2).status)
    except grpc.RpcError:
        return -1


def test_while_postgres_is_gone_commands_are_unavailable_health_flips_and_it_recovers_by_itself(
    behind_proxy: tuple[Engine, CuttableProxy, grpc.Channel], postgres_schema: StoreLocation
) -> None:
    _, proxy, channel = behind_proxy
    now = datetime.now(UTC).replace(microsecond=0)
    before, during = Client(channel, "OUT1", 1, now), Client(channel, "OUT1", 2, now)
    (call, first), (register, sent) = next(before.script()), next(during.script())
    # given a serving server that has written
    assert health(channel) == SERVING
    send(call, first)
    assert first.outcome == "ok", first.code
    # when PostgreSQL goes away
    proxy.cut()
    # then a command is answered UNAVAILABLE (never INTERNAL) and health turns NOT_SERVING
    send(register, sent, timeout=60)
    assert (sent.outcome, sent.code) == ("in-doubt", "UNAVAILABLE")
    assert eventually(lambda: health(channel) == NOT_SERVING)
    # when it comes back
    proxy.restore()
    # then the server recovers by itself, and the command retried with its request id is applied once
    assert eventually(lambda: health(channel) == SERVING)
    send(register, sent)
    assert sent.outcome == "ok", sent.code
    again = Sent(sent.method, sent.request)
    send(register, again)
    assert again.result == sent.result
    persistence = open_store(postgres_schema)
    try:
        findings = Findings()
        check_log(persistence, [first, sent], findings)
        assert findings.problems == []
        assert sent.result is not None
        registered = persistence.events.load(uuid.UUID(sent.result[0]))
        assert [e.topic for e in registered] == ["claims.vehicle.VehicleRegistered"]
    finally:
        persistence.close()


def test_connections_dropped_mid_transaction_under_load_leave_no_partial_write(
    behind_proxy: tuple[Engine, CuttableProxy, grpc.Channel], postgres_schema: StoreLocation
) -> None:
    _, _, channel = behind_proxy
    now = datetime.now(UTC).replace(microsecond=0)
    clients = [Client(channel, "DROP", n, now) for n in range(6)]
    stop = threading.Event()

    def drive(client: Client) -> None:  # unlike the crash rounds, carry on past errors: the server stays up
        for call, sent in client.script():
            if stop.is_set():
                return
            client.sent.append(sent)
            send(call, sent)
            if sent.outcome == "in-doubt":
                time.sleep(0.05)
                send(call, sent)  # a client's own retry with the same request id

    threads = [threading.Thread(target=drive, args=(c,), daemon=True) for c in clients]
    # given a concurrent load of mixed commands
    for t in threads:
        t.start()
    # when PostgreSQL drops every connection of this store three times, mid-transaction for some
    for _ in range(3):
        time.sleep(0.4)
        assert terminate_backends(postgres_schema.schema) > 0
    time.sleep(0.4)
    stop.set()
    for t in threads:
        t.join(timeout=120)
    # then, once the store is back, every command has one answer, repeated on retry, and the log agrees
    assert eventually(lambda: health(channel) == SERVING)
    sent = [s for c in clients for s in c.sent]
    for s in sent:
        if s.outcome == "in-doubt":
            service, method = STUBS[s.method]
            send(getattr(getattr(clients[0], service), method), s)
    assert all(s.outcome in ("ok", "error") for s in sent), [s.code for s in sent if s.outcome == "in-doubt"]
    assert any(s.outcome == "ok" for s in sent)
    persistence = open_store(postgres_schema)
    try:
        findings = Findings()
        check_log(persistence, sent, findings)
        assert findings.problems == []
    finally:
        persistence.close()
