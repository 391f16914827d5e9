"""Baselines measured in the same run as our figures, each in a process of its own, same concurrency.

- ``plain_path``: the eventsourcing library used the plain way: an ``Application`` and an ``Aggregate``,
  one ``save()`` per command (a claim created with its header and three lines, and as many events in the
  save as our FileClaim appends), ``clients`` threads, on the same SQLite file system / PostgreSQL server.
- ``raw_single_row``: raw psycopg, ``clients`` threads each with its own connection, autocommit, one
  INSERT of one row per commit into a table shaped like the library's (uuid, version, topic, 141-byte
  state, bigserial position with its unique index, no table lock).
"""

from __future__ import annotations

import os
import statistics
import threading
import time
import uuid
from typing import Any

import psycopg
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from bench.load import Figure, percentile


class PlainClaim(Aggregate):
    """A warranty claim the plain way: filed with its lines, then each further event a plain method call."""

    @event("Filed")
    def __init__(self, dealer_id: str, claim_number: str, ro_number: str, vin: str, lines: list[dict[str, Any]]):
        self.dealer_id, self.claim_number, self.ro_number, self.vin = dealer_id, claim_number, ro_number, vin
        self.lines = lines
        self.checks: list[str] = []

    @event("Checked")
    def check(self, name: str, passed: bool) -> None:
        self.checks.append(name)


LINES = [
    {"line_no": 1, "kind": "LABOUR", "operation_code": "ELE001", "hours": "0.5", "rate": "90.00 EUR"},
    {"line_no": 2, "kind": "PART", "part_number": "RELAY-1", "quantity": 1, "unit_price": "12.50 EUR"},
    {"line_no": 3, "kind": "OTHER", "other_kind": "TRAVEL", "amount": "20.00 EUR"},
]


class PlainClaims(Application[uuid.UUID]):
    def file(self, client: int, n: int, events: int) -> None:
        claim = PlainClaim(f"D{client:03d}", f"C-{n}", f"RO-{n}", f"S{client:03d}{n:08d}", LINES)
        for k in range(events - 1):
            claim.check(f"check-{k}", True)
        self.save(claim)


def _closed_loop(name: str, clients: int, seconds: float, work: Any) -> Figure:
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors: list[str] = []
    start = threading.Barrier(clients + 1)
    stop = threading.Event()

    def client(i: int) -> None:
        start.wait()
        n = 0
        while not stop.is_set():
            t0 = time.perf_counter()
            try:
                work(i, n)
                latencies[i].append(time.perf_counter() - t0)
            except Exception as e:  # noqa: BLE001 - counted and shown, never hidden
                errors.append(f"{type(e).__name__}: {e}")
            n += 1

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    start.wait()
    began = time.perf_counter()
    stop.wait(seconds)
    stop.set()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    flat = sorted(x for per in latencies for x in per)
    return Figure(
        name, clients, len(flat), len(errors), elapsed,
        statistics.median(flat) * 1000 if flat else 0.0, percentile(flat, 0.99) * 1000, errors[0] if errors else "",
    )  # fmt: skip


def plain_path(store: str, target: str, clients: int, seconds: float, events: int) -> Figure:
    """``store`` is "sqlite" (``target`` a file path) or "postgresql" (``target`` a DSN ending in ?schema=NAME)."""
    if store == "sqlite":
        env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": target}
    else:
        info = psycopg.conninfo.conninfo_to_dict(target.split("?")[0])
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres", "POSTGRES_DBNAME": str(info.get("dbname", "")),
            "POSTGRES_HOST": str(info.get("host", "127.0.0.1")), "POSTGRES_PORT": str(info.get("port", "5432")),
            "POSTGRES_USER": str(info.get("user", "postgres")), "POSTGRES_PASSWORD": str(info.get("password", "")),
            "POSTGRES_SCHEMA": target.split("schema=")[1], "POSTGRES_POOL_SIZE": str(clients),
            "POSTGRES_MAX_OVERFLOW": "0",
        }  # fmt: skip
    app = PlainClaims(env=env)
    try:
        _closed_loop("warm-up", clients, 0.5, lambda i, n: app.file(i, -1 - n, events))
        return _closed_loop(
            f"eventsourcing Application.save, one per command ({events} events)",
            clients,
            seconds,
            lambda i, n: app.file(i, n, events),
        )
    finally:
        app.close()


def raw_single_row(dsn: str, schema: str, clients: int, seconds: float) -> Figure:
    """Single-row autocommit INSERTs from ``clients`` connections (one per thread)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'SET search_path TO "{schema}"')
        conn.execute(
            "CREATE TABLE raw_events (originator_id uuid NOT NULL, originator_version bigint NOT NULL, "
            "topic text, state bytea, notification_id bigserial, PRIMARY KEY (originator_id, originator_version))"
        )
        conn.execute("CREATE UNIQUE INDEX raw_events_notification_id_idx ON raw_events (notification_id)")
    connections = [psycopg.connect(dsn, autocommit=True) for _ in range(clients)]
    try:
        for conn in connections:
            conn.execute(f'SET search_path TO "{schema}"')
        topic = "bench.baselines:PlainClaim.Filed"

        def insert(i: int, _n: int) -> None:
            connections[i].execute(
                "INSERT INTO raw_events (originator_id, originator_version, topic, state) VALUES (%s, 1, %s, %s)",
                (uuid.uuid4(), topic, os.urandom(141)),
            )

        _closed_loop("warm-up", clients, 0.5, insert)
        return _closed_loop("raw psycopg single-row commits", clients, seconds, insert)
    finally:
        for conn in connections:
            conn.close()
