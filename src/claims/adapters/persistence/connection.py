"""A dedicated connection to the store, outside the library's pool, kept by one owner for a long time.

Two owners need one: a projection worker, whose PostgreSQL session-level advisory lock lives exactly as
long as its connection (a worker that dies frees its projection, whatever killed it), and a rebuild,
whose temporary tables live on one connection and vanish with it (nothing is left behind by a crash).
Read-model SQL runs on it through the same ``Transaction`` as on the pool, with the same row types.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from claims.adapters.persistence.database import Transaction
from claims.adapters.persistence.factory import StoreLocation

SQLITE_LOCK_TIMEOUT_SECONDS = 10.0


def advisory_key(location: StoreLocation, name: str) -> int:
    """A signed 64-bit lock key for ``name`` in this store: stores in other schemas of one database do not collide."""
    digest = hashlib.sha256(f"claims:{location.dbname}:{location.schema}:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class DedicatedConnection:
    """One connection of its own to a SQLite or PostgreSQL store (not from the pool)."""

    def __init__(self, location: StoreLocation) -> None:
        if location.backend not in ("sqlite", "postgresql"):
            raise ValueError(f"no dedicated connection to a {location.backend} store")
        self.location = location
        self.dialect = location.backend
        self._sqlite: sqlite3.Connection | None = None
        self._pg: psycopg.Connection[dict[str, Any]] | None = None
        if location.backend == "sqlite":
            assert location.sqlite_path is not None
            # As the library connects: autocommit (we BEGIN ourselves), rows by name, no type detection.
            self._sqlite = sqlite3.connect(
                str(location.sqlite_path), timeout=SQLITE_LOCK_TIMEOUT_SECONDS, isolation_level=None,
                check_same_thread=False,
            )  # fmt: skip
            self._sqlite.row_factory = sqlite3.Row
        else:
            self._pg = psycopg.connect(
                host=location.host, port=location.port, user=location.user, password=location.password or None,
                dbname=location.dbname, autocommit=True, connect_timeout=5, row_factory=dict_row,
            )  # fmt: skip
            # Read-model SQL names tables plainly; temporary tables (pg_temp) are still found first.
            self._pg.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(location.schema)))

    @property
    def backend_pid(self) -> int | None:
        """The PostgreSQL server process serving this connection (tests end it to simulate a lost connection)."""
        return None if self._pg is None else self._pg.info.backend_pid

    @contextmanager
    def transaction(self, *, commit: bool, immediate: bool = False, pipelined: bool = False) -> Iterator[Transaction]:
        """A transaction on this connection; ``immediate`` takes SQLite's write lock at once (before any read)."""
        if self._sqlite is not None:
            cursor = self._sqlite.cursor()
            cursor.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
            try:
                yield Transaction(cursor, "sqlite")
            except BaseException:
                self._sqlite.rollback()
                raise
            if commit:
                self._sqlite.commit()
            else:
                self._sqlite.rollback()
            return
        assert self._pg is not None
        with self._pg.transaction(force_rollback=not commit), self._pg.pipeline() if pipelined else nullcontext():
            yield Transaction(self._pg.cursor(), "postgresql")

    def try_advisory_lock(self, key: int) -> bool:
        """Take the session-level advisory lock ``key`` if nobody holds it (PostgreSQL only)."""
        assert self._pg is not None, "advisory locks are PostgreSQL's"
        row = self._pg.execute("SELECT pg_try_advisory_lock(%s) AS taken", (key,)).fetchone()
        return bool(row and row["taken"])

    def listen(self, channel: str) -> None:
        """Receive NOTIFY on ``channel`` (the library notifies its events table's channel on every append)."""
        assert self._pg is not None
        self._pg.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))

    def wait_for_notify(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for a notification; whether one came."""
        assert self._pg is not None
        try:
            return any(True for _ in self._pg.notifies(timeout=timeout, stop_after=1))
        except psycopg.Error:
            # A lost connection: the owner finds out with ``alive()``; meanwhile, behave like a poll.
            time.sleep(timeout)
            return False

    def alive(self) -> bool:
        """Whether the connection still answers (a lost connection has lost its advisory locks)."""
        try:
            if self._sqlite is not None:
                self._sqlite.execute("SELECT 1")
            elif self._pg is not None:
                self._pg.execute("SELECT 1")
            return True
        except (sqlite3.Error, psycopg.Error):
            return False

    def close(self) -> None:
        """Close it: its advisory locks are released and its temporary tables dropped by the server."""
        if self._sqlite is not None:
            self._sqlite.close()
        if self._pg is not None:
            self._pg.close()

    def __enter__(self) -> DedicatedConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
