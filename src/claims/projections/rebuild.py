"""`claims projections rebuild NAME`: replay one projection from position zero into fresh tables, prove
they equal the live ones row by row, and swap them in.

How, on SQLite and PostgreSQL alike, for any projection that declares its tables:

1. On a dedicated connection, create TEMPORARY copies of the projection's tables (same columns,
   constraints and indexes: ``LIKE … INCLUDING ALL`` on PostgreSQL, the stored DDL on SQLite). Temporary
   tables are found before the live ones by unqualified names, so the projection's own handler writes
   into them unchanged; they vanish with the connection, so a crash leaves nothing behind.
2. Replay the log from position zero up to the live tracking position, in batches, reporting progress.
3. In ONE transaction that first locks the projection (its tracking row ``FOR UPDATE`` on PostgreSQL,
   SQLite's write lock), so a running worker can neither commit a batch meanwhile nor be lost: catch the
   copies up to wherever the live projection got to, count and compare every row (``EXCEPT`` both ways,
   then the first differing row in key order, column by column), and — when they are equal, or when
   told to ``force`` — replace the live rows with the rebuilt ones and set the tracking position.

On SQLite that last transaction holds the write lock, so appends wait for it (up to the store's lock
timeout): it is short, as the copies are already caught up and compared in SQL.

Rows are replaced inside the live tables (delete, then insert from the copies) rather than renaming
tables: the live tables keep their exact DDL (index and constraint names that later migrations refer
to, foreign keys, grants), and readers see the old rows or the new ones, never a mixture.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

from claims.adapters.persistence.connection import DedicatedConnection
from claims.adapters.persistence.database import Transaction
from claims.adapters.persistence.factory import Persistence
from claims.projections.runner import DEFAULT_BATCH_SIZE, Projection, ensure_tracking

ProgressCallback = Callable[[int, int], None]
"""Called as ``progress(position_reached, target_position)`` after each replayed batch."""
OpenTransaction = Callable[[], AbstractContextManager[Transaction]]

_CREATE_TABLE = re.compile(r"^\s*CREATE\s+TABLE\s+", re.IGNORECASE)
_CREATE_INDEX = re.compile(r"^\s*CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?", re.IGNORECASE)


class RebuildError(Exception):
    """Raised when a rebuild cannot run (unknown table, a store without SQL, a tracking row gone backwards)."""


@dataclass(frozen=True)
class TableCount:
    """Rows in one table, live and rebuilt."""

    table: str
    live: int
    rebuilt: int


@dataclass(frozen=True)
class Difference:
    """The first row, in key order, where a live table and its rebuilt copy disagree."""

    table: str
    key: dict[str, Any]
    column: str | None  # None when the row is in one table only
    live: Any
    rebuilt: Any

    def describe(self) -> str:
        key = ", ".join(f"{k}={v}" for k, v in self.key.items())
        if self.column is not None:
            return f"{self.table} ({key}): {self.column} is {self.live!r} live but {self.rebuilt!r} rebuilt"
        if self.live is None:
            return f"{self.table} ({key}): missing from the live table (the log produces it)"
        if self.rebuilt is None:
            return f"{self.table} ({key}): in the live table only (the log does not produce it)"
        return f"{self.table} ({key}): rows differ: live {self.live!r}, rebuilt {self.rebuilt!r}"


@dataclass(frozen=True)
class RebuildReport:
    """What a rebuild found and did."""

    projection: str
    position: int
    events: int
    counts: tuple[TableCount, ...]
    difference: Difference | None
    swapped: bool

    @property
    def equal(self) -> bool:
        return self.difference is None


def _q(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


@dataclass(frozen=True)
class _Table:
    name: str
    live: str  # qualified live name
    scratch: str  # qualified name of the temporary copy
    columns: tuple[str, ...]
    key: tuple[str, ...]  # the primary key (every column when there is none)

    @property
    def column_list(self) -> str:
        return ", ".join(_q(c) for c in self.columns)

    @property
    def key_list(self) -> str:
        return ", ".join(_q(c) for c in self.key)


class _Copies:
    """The temporary copies of a projection's tables on one connection."""

    def __init__(self, connection: DedicatedConnection, tables: Sequence[str]) -> None:
        self._conn = connection
        self._schema = connection.location.schema if connection.dialect == "postgresql" else "main"
        self._temp = "pg_temp" if connection.dialect == "postgresql" else "temp"
        with connection.transaction(commit=True) as tx:
            self.tables = tuple(self._create(tx, name) for name in tables)

    def _create(self, tx: Transaction, name: str) -> _Table:
        if tx.dialect == "postgresql":
            rows = tx.rows(
                # pk: 1-based place in the primary key, 0 when not in it (int2vector subscripts start at 0).
                "SELECT a.attname AS name, COALESCE(array_position(i.indkey::int2[], a.attnum)"
                " - array_lower(i.indkey::int2[], 1) + 1, 0) AS pk"
                " FROM pg_attribute a LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary"
                " WHERE a.attrelid = to_regclass(:table) AND a.attnum > 0 AND NOT a.attisdropped"
                " ORDER BY a.attnum",
                {"table": f"{_q(self._schema)}.{_q(name)}"},
            )
            if not rows:
                raise RebuildError(f"table {name} does not exist in schema {self._schema}: run `claims migrate`")
            tx.execute(f"CREATE TEMPORARY TABLE {_q(name)} (LIKE {_q(self._schema)}.{_q(name)} INCLUDING ALL)")
        else:
            ddl = tx.rows(
                "SELECT type, sql FROM main.sqlite_master WHERE tbl_name = :table AND sql IS NOT NULL"
                " AND type IN ('table', 'index') ORDER BY type = 'index'",
                {"table": name},
            )
            if not ddl or ddl[0]["type"] != "table":
                raise RebuildError(f"table {name} does not exist: run `claims migrate`")
            for statement in ddl:
                if statement["type"] == "table":
                    tx.execute(_CREATE_TABLE.sub("CREATE TEMPORARY TABLE ", statement["sql"], count=1))
                else:
                    tx.execute(_CREATE_INDEX.sub(lambda m: f"{m.group(0)}temp.", statement["sql"], count=1))
            rows = tx.rows(f"PRAGMA main.table_info({_q(name)})")
        columns = tuple(str(r["name"]) for r in rows)
        key = tuple(str(r["name"]) for r in sorted((r for r in rows if r["pk"]), key=lambda r: int(r["pk"])))
        return _Table(name, f"{_q(self._schema)}.{_q(name)}", f"{self._temp}.{_q(name)}", columns, key or columns)

    def counts(self, tx: Transaction) -> tuple[TableCount, ...]:
        return tuple(
            TableCount(
                t.name,
                int(tx.rows(f"SELECT count(*) AS n FROM {t.live}")[0]["n"]),  # noqa: S608
                int(tx.rows(f"SELECT count(*) AS n FROM {t.scratch}")[0]["n"]),  # noqa: S608
            )
            for t in self.tables
        )

    def first_difference(self, tx: Transaction) -> Difference | None:
        for table in self.tables:
            found = self._first_difference(tx, table)
            if found is not None:
                return found
        return None

    @staticmethod
    def _first_difference(tx: Transaction, t: _Table) -> Difference | None:
        candidates = []
        for a, b in ((t.live, t.scratch), (t.scratch, t.live)):
            rows = tx.rows(
                f"SELECT {t.key_list} FROM (SELECT {t.column_list} FROM {a} EXCEPT"  # noqa: S608
                f" SELECT {t.column_list} FROM {b}) AS only_here ORDER BY {t.key_list} LIMIT 1"
            )
            if rows:
                candidates.append(tuple(rows[0][k] for k in t.key))
        if not candidates:
            return None
        try:
            key = min(candidates)
        except TypeError:  # a key with NULLs (a table without a primary key): either will do
            key = candidates[0]
        same = "IS NOT DISTINCT FROM" if tx.dialect == "postgresql" else "IS"  # NULL-safe equality
        where = " AND ".join(f"{_q(k)} {same} :k{i}" for i, k in enumerate(t.key))
        params = {f"k{i}": v for i, v in enumerate(key)}
        live = tx.rows(f"SELECT {t.column_list} FROM {t.live} WHERE {where}", params)  # noqa: S608
        rebuilt = tx.rows(f"SELECT {t.column_list} FROM {t.scratch} WHERE {where}", params)  # noqa: S608
        key_values = dict(zip(t.key, key, strict=True))
        if not live or not rebuilt:
            return Difference(t.name, key_values, None, live[0] if live else None, rebuilt[0] if rebuilt else None)
        for column in t.columns:
            if live[0][column] != rebuilt[0][column]:
                return Difference(t.name, key_values, column, live[0][column], rebuilt[0][column])
        return Difference(t.name, key_values, None, live[0], rebuilt[0])

    def replace_live(self, tx: Transaction) -> None:
        for t in reversed(self.tables):  # children first
            tx.execute(f"DELETE FROM {t.live}")  # noqa: S608
        for t in self.tables:  # parents first
            tx.execute(f"INSERT INTO {t.live} ({t.column_list}) SELECT {t.column_list} FROM {t.scratch}")  # noqa: S608


class _Replay:
    """Feeds the log to the projection's handler, writing into the temporary copies.

    Every event, not only the topics the projection declares (as the live runner feeds it): so a rebuild
    also proves the declared topics are all the projection needs.
    """

    def __init__(self, persistence: Persistence, projection: Projection, batch_size: int) -> None:
        self._persistence, self._projection, self._batch = persistence, projection, batch_size
        self.position = 0
        self.events = 0

    def until(self, open_tx: OpenTransaction, target: int, progress: ProgressCallback | None) -> None:
        """Replay (position, target]; ``open_tx()`` gives the transaction each batch writes in."""
        while self.position < target:
            page = self._persistence.events.read_all(self.position, self._batch)
            events = [e for e in page if e.position is not None and e.position <= target]
            if not events:
                break
            with open_tx() as tx:
                for event in events:
                    self._projection.handle(tx, event)
            self.position = int(events[-1].position or self.position)
            self.events += len(events)
            if progress is not None:
                progress(self.position, target)


def rebuild(
    persistence: Persistence,
    projection: Projection,
    tables: Sequence[str],
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    swap: bool = True,
    force: bool = False,
    progress: ProgressCallback | None = None,
) -> RebuildReport:
    """Rebuild ``projection`` from position zero and compare; swap the rebuilt rows in when equal (or ``force``).

    Never swaps when ``swap`` is false (a check only). Safe while a worker or the server runs the projection.
    """
    if persistence.database is None or persistence.location.backend not in ("sqlite", "postgresql"):
        raise RebuildError("rebuilding needs a SQLite or PostgreSQL store")
    ensure_tracking(persistence.database, [projection.name])
    with DedicatedConnection(persistence.location) as conn:
        copies = _Copies(conn, tables)
        replay = _Replay(persistence, projection, batch_size)
        target = _live_position(conn, projection.name)
        replay.until(lambda: conn.transaction(commit=True, pipelined=True), target, progress)
        with conn.transaction(commit=True, immediate=True) as tx:
            # The projection is ours until this commits: a worker's next batch waits on its tracking row.
            position = _lock_live_position(tx, projection.name)
            if position < replay.position:
                raise RebuildError(f"{projection.name} went back to position {position} during the rebuild")
            replay.until(lambda: nullcontext(tx), position, progress)
            counts, difference = copies.counts(tx), copies.first_difference(tx)
            swapped = swap and (difference is None or force)
            if swapped:
                copies.replace_live(tx)
                tx.execute(
                    "UPDATE projection_tracking SET position = :p WHERE projection = :n",
                    {"p": position, "n": projection.name},
                )
    return RebuildReport(projection.name, position, replay.events, counts, difference, swapped)


def _live_position(conn: DedicatedConnection, name: str) -> int:
    with conn.transaction(commit=False) as tx:
        rows = tx.rows("SELECT position FROM projection_tracking WHERE projection = :n", {"n": name})
    return int(rows[0]["position"]) if rows else 0


def _lock_live_position(tx: Transaction, name: str) -> int:
    lock = " FOR UPDATE" if tx.dialect == "postgresql" else ""  # SQLite: BEGIN IMMEDIATE holds the write lock
    rows = tx.rows(f"SELECT position FROM projection_tracking WHERE projection = :n{lock}", {"n": name})  # noqa: S608
    return int(rows[0]["position"]) if rows else 0
