"""Plain SQL for read models and checks, on the same datastore the recorder uses."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from functools import lru_cache
from typing import Any, Protocol

from psycopg.rows import dict_row, tuple_row

_NAMED = re.compile(r"(?<!:):([a-z_][a-z0-9_]*)")

Row = dict[str, Any]
# Rows per statement of Transaction.insert_rows on PostgreSQL (each column one array parameter).
INSERT_CHUNK = 1000


class Cursor(Protocol):
    """The part of a DB-API cursor we use."""

    def execute(self, query: str, params: Mapping[str, Any] | Sequence[Any] = ...) -> Any: ...
    def fetchall(self) -> Any: ...


class Transaction:
    """Runs SQL written with ``:name`` parameters, whatever the driver's style."""

    def __init__(self, cursor: Any, dialect: str) -> None:
        self._cursor = cursor
        self.dialect = dialect

    def execute(self, query: str, params: Mapping[str, Any] | None = None) -> None:
        self._cursor.execute(self._translate(query), dict(params or {}))

    def execute_many(self, query: str, params: Sequence[Mapping[str, Any]]) -> None:
        """``execute`` once per mapping in ``params``, in one driver call (bulk inserts)."""
        if not params:
            return
        if self.dialect == "sqlite":
            self._cursor.executemany(query, params)
            return
        # Its own cursor: in pipeline mode, executemany left the shared cursor on its last INSERT's result, so
        # the next statement's fetch on that cursor read "didn't produce records" (seen in the bench's catch-up).
        with self._cursor.connection.cursor() as cursor:
            cursor.executemany(_pyformat(query), params)

    def insert_rows(
        self, table: str, columns: Mapping[str, str], rows: Sequence[Sequence[Any]], *, on_conflict: str = ""
    ) -> None:
        """Insert ``rows`` (tuples in the order of ``columns``, which maps each column to its PostgreSQL type).

        On PostgreSQL one ``INSERT … SELECT FROM unnest(…)`` per ``INSERT_CHUNK`` rows, each column bound as one
        typed array in binary (psycopg's text array dumper escapes every element with a regex): about a third of
        what executemany costs a row in pipeline mode (26 → 8 µs a row in a micro-benchmark), and the rows are
        visible to the next statement, as with ``execute``.
        ``on_conflict`` (such as ``"ON CONFLICT (id) DO NOTHING"``) is appended as written.
        """
        if not rows:
            return
        names = ", ".join(columns)  # the table, its columns and on_conflict are the projections' own constants
        if self.dialect == "sqlite":
            marks = ", ".join("?" for _ in columns)
            self._cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks}) {on_conflict}", rows)  # noqa: S608
            return
        arrays = ", ".join(f"%b::{kind}[]" for kind in columns.values())
        query = f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays}) {on_conflict}"  # noqa: S608
        with self._cursor.connection.cursor() as cursor:  # its own cursor: see execute_many
            for start in range(0, len(rows), INSERT_CHUNK):
                chunk = rows[start : start + INSERT_CHUNK]
                cursor.execute(query, [list(column) for column in zip(*chunk, strict=True)])

    def rows(self, query: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        if self.dialect == "sqlite":
            self.execute(query, params)
            return [dict(r) for r in self._cursor.fetchall()]
        # Its own cursor: in pipeline mode the result of a write sent earlier on the shared cursor can arrive
        # while this read is sent, and be taken for the read's (seen as "the last operation didn't produce
        # records" once projections read a few times a batch instead of once an event).
        with self._cursor.connection.cursor(row_factory=dict_row) as cursor:
            cursor.execute(_pyformat(query), dict(params or {}))
            return list(cursor.fetchall())

    def tuples(self, query: str, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        """``rows`` as plain tuples in the column order, without building a mapping per row (bulk reads)."""
        if self.dialect == "sqlite":
            cursor = self._cursor.sqlite_cursor.connection.cursor()
            cursor.row_factory = None
            try:
                cursor.execute(query, dict(params or {}))
                return list(cursor.fetchall())
            finally:
                cursor.close()
        with self._cursor.connection.cursor(row_factory=tuple_row) as cursor:
            cursor.execute(_pyformat(query), dict(params or {}))
            return list(cursor.fetchall())

    def _translate(self, query: str) -> str:
        return query if self.dialect == "sqlite" else _pyformat(query)


def in_list(prefix: str, values: Iterable[object]) -> tuple[str, dict[str, str]]:
    """An IN list of ``values`` as ``(:p0, :p1, ...)`` and its parameters: values are bound, never put in the SQL."""
    params = {f"{prefix}{i}": str(value) for i, value in enumerate(values)}
    return "(" + ", ".join(":" + key for key in params) + ")", params


@lru_cache(maxsize=2048)
def _pyformat(query: str) -> str:
    """``:name`` → ``%(name)s``, once per distinct statement (read models run the same few thousands of times)."""
    return _NAMED.sub(r"%(\1)s", query)


class Database:
    """Transactions on the recorder's datastore (SQLite or PostgreSQL)."""

    def __init__(self, datastore: Any, dialect: str, schema: str = "") -> None:
        self._datastore = datastore
        self.dialect = dialect
        self._schema = schema

    @contextmanager
    def transaction(self, *, commit: bool, pipelined: bool = False) -> Iterator[Transaction]:
        with self._datastore.transaction(commit=commit) as cursor:
            if self._schema:
                # The library qualifies its own tables; read-model SQL names tables plainly.
                cursor.execute(
                    "SELECT set_config('search_path', %s, true)", ('"' + self._schema.replace('"', '""') + '"',)
                )
            # PostgreSQL pipeline mode sends statements without waiting for each result (a read still waits);
            # errors surface by the end of the block, so the transaction still commits all or nothing.
            pipeline = cursor.connection.pipeline() if pipelined and self.dialect == "postgresql" else nullcontext()
            with pipeline:
                yield Transaction(cursor, self.dialect)

    def read(self) -> AbstractContextManager[Transaction]:
        return self.transaction(commit=False)

    def write(self) -> AbstractContextManager[Transaction]:
        return self.transaction(commit=True)

    def batch(self) -> AbstractContextManager[Transaction]:
        """A write transaction for many statements (a projection's batch): pipelined on PostgreSQL."""
        return self.transaction(commit=True, pipelined=True)
