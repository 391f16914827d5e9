"""Read-only access to a store, for the auditor's tools (`claims audit verify`): nothing can be written.

SQLite opens the file with ``mode=ro`` (a read-only file, e.g. a copy handed to an auditor, is enough);
PostgreSQL connects with ``default_transaction_read_only`` on and every transaction rolled back, so a role
granted only ``USAGE`` on the schema and ``SELECT`` on its tables can verify (see the README).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from eventsourcing.sqlite import SQLiteCursor
from psycopg.rows import dict_row

from claims.adapters.persistence.database import Database
from claims.adapters.persistence.factory import StoreLocation


class ReadOnlyStoreError(Exception):
    """The store cannot be opened for reading (missing file, refused connection)."""


class _SQLiteReader:
    def __init__(self, location: StoreLocation) -> None:
        assert location.sqlite_path is not None
        path = location.sqlite_path.resolve()
        if not path.is_file():
            raise ReadOnlyStoreError(f"no SQLite store at {path}")
        self._connection = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, check_same_thread=False)
        self._connection.row_factory = sqlite3.Row

    @contextmanager
    def transaction(self, commit: bool) -> Iterator[Any]:
        if commit:
            raise PermissionError("this store is open read-only")
        cursor = self._connection.cursor()
        try:
            yield SQLiteCursor(cursor)
        finally:
            cursor.close()
            self._connection.rollback()

    def close(self) -> None:
        self._connection.close()


class _PostgresReader:
    def __init__(self, location: StoreLocation) -> None:
        try:
            self._connection = psycopg.connect(
                host=location.host, port=location.port, user=location.user, password=location.password or None,
                dbname=location.dbname, connect_timeout=5, options="-c default_transaction_read_only=on",
                row_factory=dict_row,
            )  # fmt: skip
        except psycopg.Error as e:
            raise ReadOnlyStoreError(f"cannot connect to {location.describe()}: {e}") from e

    @contextmanager
    def transaction(self, commit: bool) -> Iterator[Any]:
        if commit:
            raise PermissionError("this store is open read-only")
        with self._connection.transaction(force_rollback=True), self._connection.cursor() as cursor:
            yield cursor

    def close(self) -> None:
        self._connection.close()


@dataclass
class ReadOnlyStore:
    """SQL reads on a store through a connection that cannot write."""

    database: Database
    _reader: _SQLiteReader | _PostgresReader

    def close(self) -> None:
        self._reader.close()


def open_read_only(location: StoreLocation) -> ReadOnlyStore:
    """Open ``location`` (SQLite or PostgreSQL) for reading only."""
    if location.backend == "sqlite":
        reader: _SQLiteReader | _PostgresReader = _SQLiteReader(location)
        return ReadOnlyStore(Database(reader, "sqlite"), reader)
    if location.backend == "postgresql":
        reader = _PostgresReader(location)
        return ReadOnlyStore(Database(reader, "postgresql", location.schema), reader)
    raise ReadOnlyStoreError("only a SQLite or PostgreSQL store can be opened read-only")
