"""`python -m bench.group_commit`: the store's write path alone, 16 concurrent writers, bounded by a count.

Each command appends what a FileClaim appends (claim filed, repair order linked, request record: three
events of about 1 KB, 600 B and 300 B in three streams). Figures, each in the same run:

- ``plain``: one transaction per command through the library's ``insert_events`` (what the store did before);
- ``group``: the group committer (one transaction per batch, a savepoint per command only on conflict);
- ``raw``: psycopg single-row commits with no table lock (PostgreSQL only; the issue's reference) and a
  bare sqlite3 one-transaction-per-command baseline.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from claims.adapters.persistence.factory import Persistence, StoreLocation, open_store, parse_store_url
from claims.adapters.persistence.group_commit import GroupCommitSettings
from claims.adapters.persistence.migrations import apply_migrations
from claims.adapters.persistence.store import RecorderEventStore
from claims.application.messages import EventMetadata, NewEvent
from claims.application.requests import RequestAccepted
from claims.config import REPO_ROOT
from claims.domain.base import DomainEvent, register_events

DEFAULT_PG = os.environ.get("CLAIMS_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")
META = EventMetadata("dealer:B01", "req", "corr", "req", datetime(2026, 1, 1, tzinfo=UTC))


class BenchPayload(DomainEvent):
    """A stand-in event of a given size."""

    TOPIC = "bench.Payload"
    text: str


register_events(BenchPayload)


def command(i: int) -> list[NewEvent]:
    """Three streams, three events: like a filed claim, its repair order link and the request record."""
    claim, ro = uuid.uuid4(), uuid.uuid4()
    accepted = RequestAccepted(
        request_id=str(i), actor="dealer:B01", command="FileClaim", digest="0" * 64, stream_id=claim, version=1
    )
    return [
        NewEvent(claim, 1, BenchPayload(text="c" * 1000), META),
        NewEvent(ro, 1, BenchPayload(text="r" * 600), META),
        NewEvent(uuid.uuid4(), 1, accepted, META),
    ]


@dataclass
class Figure:
    name: str
    commands: int
    seconds: float

    def line(self) -> str:
        rate = self.commands / self.seconds
        return f"{self.name:<44} {rate:>8.0f} commands/s  ({self.commands} in {self.seconds:.2f} s)"


def drive(name: str, writers: int, per_writer: int, write: Callable[[int], None]) -> Figure:
    start = threading.Barrier(writers + 1)

    def run(w: int) -> None:
        start.wait()
        for n in range(per_writer):
            write(w * per_writer + n)

    threads = [threading.Thread(target=run, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    start.wait()
    began = time.perf_counter()
    for t in threads:
        t.join()
    return Figure(name, writers * per_writer, time.perf_counter() - began)


def store_figures(
    label: str, location: StoreLocation, writers: int, per_writer: int, settings: GroupCommitSettings
) -> list[Figure]:
    figures = []
    plain = open_store(location)
    plain_store = RecorderEventStore(plain.recorder, lambda *_: None)  # no committer: the library's insert_events
    figures.append(
        drive(f"{label}: plain (1 txn/command)", writers, per_writer, lambda i: plain_store.append(command(i)))
    )
    plain.close()
    grouped: Persistence = open_store(location, settings)
    sizes: list[int] = []
    grouped.events.observe_commits(sizes.append)
    figures.append(drive(f"{label}: group commit", writers, per_writer, lambda i: grouped.events.append(command(i))))
    grouped.close()
    print(f"  {label} group commit: {len(sizes)} transactions, mean batch {sum(sizes) / max(1, len(sizes)):.1f}")
    return figures


def raw_postgres(dsn: str, schema: str, writers: int, per_writer: int) -> Figure:
    """psycopg, one single-row INSERT per autocommit transaction, no lock: the issue's reference figure."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE TABLE "{schema}".raw (id bigserial PRIMARY KEY, originator_id uuid, state bytea)')
    local = threading.local()

    def write(_i: int) -> None:
        if not hasattr(local, "conn"):
            local.conn = psycopg.connect(dsn, autocommit=True)
        local.conn.execute(
            f'INSERT INTO "{schema}".raw (originator_id, state) VALUES (%s, %s)', (uuid.uuid4(), b"x" * 1000)
        )

    return drive("postgresql: raw psycopg single-row commits", writers, per_writer, write)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--writers", type=int, default=16)
    parser.add_argument("--per-writer", type=int, default=100)
    parser.add_argument("--postgres", default=DEFAULT_PG, help="DSN; empty to skip PostgreSQL")
    parser.add_argument("--window-ms", type=float, default=GroupCommitSettings().window_seconds * 1000)
    parser.add_argument("--max-batch", type=int, default=GroupCommitSettings().max_batch)
    args = parser.parse_args()
    settings = GroupCommitSettings(args.window_ms / 1000, args.max_batch)
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as folder:
        location = parse_store_url(f"sqlite:///{Path(folder) / 'bench.db'}")
        apply_migrations(location, REPO_ROOT / "migrations")
        figures += store_figures("sqlite", location, args.writers, args.per_writer, settings)
    if args.postgres:
        schema = f"claims_gc_{uuid.uuid4().hex[:8]}"
        location = parse_store_url(f"{args.postgres}?schema={schema}")
        try:
            apply_migrations(location, REPO_ROOT / "migrations")
            figures += store_figures("postgresql", location, args.writers, args.per_writer, settings)
            figures.append(raw_postgres(args.postgres, schema, args.writers, args.per_writer))
        finally:
            with psycopg.connect(args.postgres, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    for figure in figures:
        print(figure.line())


if __name__ == "__main__":
    main()
