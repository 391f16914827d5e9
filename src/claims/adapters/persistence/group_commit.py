"""Group commit: concurrent commands' appends written in one transaction, each still checked on its own.

Callers hand their stored events to a ``GroupCommitter``. The first caller to find nobody writing leads: it
gathers the appends waiting, for a short window (up to a size cap; no window after a batch of one, so a
lone writer waits for nobody), and writes them all in ONE transaction, on its own thread:
one lock of the events table on PostgreSQL (the library's EXCLUSIVE lock, so positions still become
visible in commit order and tailing readers pass over nothing), one fsync on SQLite. Each command is a
SAVEPOINT of its own: a duplicate stream version or request record rolls back that command only, which
fails with ``StreamConflictError``; the others commit. A failure of the store fails every command of the
batch (nothing of it is written), after a few retries of the whole batch.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar
from uuid import UUID

import psycopg
from eventsourcing.persistence import (
    ApplicationRecorder,
    InterfaceError,
    OperationalError,
    PersistenceError,
    StoredEvent,
)
from eventsourcing.persistence import IntegrityError as RecorderIntegrityError
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from psycopg.sql import SQL, Identifier

from claims.application.ports import StoreUnavailableError, StreamConflictError

log = logging.getLogger("claims.store")

# One command's outcome in a batch: its events' positions, or the conflict that failed it alone.
Outcome = list[int] | StreamConflictError
BatchWriter = Callable[[Sequence[Sequence[StoredEvent]]], list[Outcome]]
CommitObserver = Callable[[int], None]

# A batch that failed to reach the store was rolled back whole, so it is safe to write it again.
# A write that failed to reach the store was rolled back whole, so it is safe to try again: a few times, and
# only while failures come fast (a dropped connection); a store that does not answer (each attempt waiting out
# the pool's timeout) is UNAVAILABLE at once, for the client to retry with its request id.
RETRY_WITHIN_SECONDS = 1.0
WRITE_ATTEMPTS = 5

T = TypeVar("T")


def retry_fast_failures(write: Callable[[], T], transient: tuple[type[BaseException], ...]) -> T:
    """``write()``, tried again after a ``transient`` error while the attempts come fast (see above)."""
    began = time.monotonic()
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            return write()
        except transient as e:
            if attempt == WRITE_ATTEMPTS or time.monotonic() - began > RETRY_WITHIN_SECONDS:
                raise StoreUnavailableError(str(e)) from e
            time.sleep(0.01 * 2**attempt)
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class GroupCommitSettings:
    """How long the committer waits for more appends after the first, and the most it writes at once."""

    window_seconds: float = 0.001
    max_batch: int = 64
    # Wait the window even after a batch of one (tests use it to gather a known batch); by default a lone
    # writer's append is committed at once.
    always_wait: bool = False


@dataclass
class _Pending:
    events: Sequence[StoredEvent]
    # Set when the command is committed or failed (``finished``), or when it is made the next leader.
    wake: threading.Event = field(default_factory=threading.Event)
    finished: bool = False
    promoted: bool = False
    outcome: list[int] | None = None
    error: Exception | None = None


class GroupCommitter:
    """Gathers concurrent appends into batches written by ``write``; each caller waits for its commit.

    Leader and followers, no thread of its own: the caller that finds nobody writing becomes the leader,
    gathers what is waiting (for the window, when appends come concurrently) and writes the batch on its own
    thread; the others wait. After the batch the leader hands over to the first caller still waiting, if any.
    A lone writer thus writes at once, with no hand-over between threads.
    """

    def __init__(self, write: BatchWriter, settings: GroupCommitSettings | None = None) -> None:
        self._write = write
        self.settings = settings or GroupCommitSettings()
        if self.settings.max_batch < 1 or self.settings.window_seconds < 0:
            raise ValueError("a batch holds at least one append and the window cannot be negative")
        self._observers: list[CommitObserver] = []
        self._state = threading.Condition()
        self._waiting: list[_Pending] = []
        self._leading = False
        self._last_size = 1
        self._closed = False

    def observe_commits(self, observer: CommitObserver) -> None:
        """Call ``observer(batch_size)`` after each batch is committed (e.g. a metrics histogram)."""
        self._observers.append(observer)

    def submit(self, events: Sequence[StoredEvent]) -> list[int]:
        """Write ``events`` atomically in the next batch; return their positions once committed."""
        pending = _Pending(events)
        with self._state:
            if self._closed:
                raise StoreUnavailableError("the store is closed")
            self._waiting.append(pending)
            if len(self._waiting) >= self.settings.max_batch:
                self._state.notify_all()  # a leader gathering for the window has a full batch
            lead = not self._leading
            self._leading = True
        if not lead:
            pending.wake.wait()
        if not pending.finished:
            self._lead()
        assert pending.finished
        if pending.error is not None:
            raise pending.error
        assert pending.outcome is not None
        return pending.outcome

    def close(self) -> None:
        """Refuse appends from now on (a batch being written still completes)."""
        with self._state:
            self._closed = True

    def _lead(self) -> None:
        batch: list[_Pending] = []
        try:
            with self._state:
                # Wait for company only while appends come concurrently (the last batch had several).
                concurrent = self._last_size > 1 or self.settings.always_wait
                deadline = time.monotonic() + (self.settings.window_seconds if concurrent else 0.0)
                while len(self._waiting) < self.settings.max_batch:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        break
                    self._state.wait(remaining)
                batch = self._waiting[: self.settings.max_batch]
                del self._waiting[: self.settings.max_batch]
            self._commit(batch)
        finally:
            # Whatever escaped the batch (a bug, an interrupted thread), none of its callers may wait forever.
            for pending in batch:
                if not pending.finished:
                    pending.error, pending.finished = StoreUnavailableError("the batch was not written"), True
                    pending.wake.set()
            with self._state:
                self._last_size = max(1, len(batch))
                if self._waiting:
                    successor = self._waiting[0]
                    successor.promoted = True
                    successor.wake.set()
                else:
                    self._leading = False

    def _commit(self, batch: list[_Pending]) -> None:
        try:
            outcomes = self._write_with_retries([p.events for p in batch])
        except Exception as e:  # every command of the batch fails; nothing of it was written
            error = e if isinstance(e, StoreUnavailableError) else StoreUnavailableError(str(e))
            if not isinstance(e, StoreUnavailableError | PersistenceError | psycopg.Error | sqlite3.Error):
                log.exception("group commit failed unexpectedly")
            for pending in batch:
                pending.error, pending.finished = error, True
                pending.wake.set()
            return
        for pending, outcome in zip(batch, outcomes, strict=True):
            if isinstance(outcome, StreamConflictError):
                pending.error = outcome
            else:
                pending.outcome = outcome
            pending.finished = True
            pending.wake.set()
        for observer in self._observers:
            try:
                observer(len(batch))
            except Exception:
                log.exception("commit observer failed")

    def _write_with_retries(self, commands: Sequence[Sequence[StoredEvent]]) -> list[Outcome]:
        # A commit that failed after the server applied it is answered by the retry's conflicts: the command
        # runner then finds each request record and returns the first result.
        transient = (OperationalError, InterfaceError, psycopg.OperationalError, psycopg.InterfaceError)
        return retry_fast_failures(lambda: self._write(commands), transient)


def batch_writer(recorder: ApplicationRecorder) -> BatchWriter | None:
    """The batch writer for the recorder's database, or None when it has none (the in-memory store)."""
    if isinstance(recorder, PostgresApplicationRecorder):
        return PostgresBatchWriter(recorder)
    if isinstance(recorder, SQLiteApplicationRecorder):
        return SQLiteBatchWriter(recorder)
    return None


class PostgresBatchWriter:
    """One transaction per batch behind the library's EXCLUSIVE table lock, taken once.

    First the whole batch is inserted in one transaction (LOCK, NOTIFY, INSERT … RETURNING, COMMIT: one fsync).
    Only if that hits a unique violation is the batch written again, one SAVEPOINT per command,
    so the conflicting commands alone fail.
    """

    def __init__(self, recorder: PostgresApplicationRecorder) -> None:
        self.recorder = recorder
        self.datastore = recorder.datastore
        # Four plain arrays rather than an array of the library's composite type: far cheaper to send.
        self._insert = SQL(
            "INSERT INTO {schema}.{table} (originator_id, originator_version, topic, state) "
            "SELECT * FROM unnest(%s::{id_type}[], %s::bigint[], %s::text[], %s::bytea[]) "
            "RETURNING originator_id, originator_version, notification_id"
        ).format(
            schema=Identifier(self.datastore.schema),
            table=Identifier(recorder.events_table_name),
            id_type=SQL(self.datastore.originator_id_type),
        )
        self._notify = SQL("NOTIFY {0}").format(Identifier(recorder.channel_name))

    def __call__(self, commands: Sequence[Sequence[StoredEvent]]) -> list[Outcome]:
        with self.datastore.get_connection() as conn:
            written = self._all_at_once(conn, commands)
            if written is not None:
                return written
            return self._one_savepoint_each(conn, commands)

    @staticmethod
    def _columns(events: Sequence[StoredEvent]) -> tuple[list[Any], list[int], list[str], list[bytes]]:
        return (
            [e.originator_id for e in events],
            [e.originator_version for e in events],
            [e.topic for e in events],
            [e.state for e in events],
        )

    def _lock(self, curs: psycopg.Cursor[Any]) -> None:
        for statement in self.recorder.lock_table_statements:
            curs.execute(statement, prepare=True)
        curs.execute(self._notify)

    def _all_at_once(
        self, conn: psycopg.Connection[Any], commands: Sequence[Sequence[StoredEvent]]
    ) -> list[Outcome] | None:
        columns = self._columns([e for events in commands for e in events])
        # A plain transaction, not pipeline mode: with a connection dropped or a statement failing mid-pipeline,
        # psycopg's pipeline exit was seen waiting forever on a server that waited for the client's Sync.
        try:
            with conn.transaction(), conn.cursor() as curs:
                self._lock(curs)
                curs.execute(self._insert, columns, prepare=True)
                returned = curs.fetchall()
        except psycopg.IntegrityError:
            return None  # the transaction was rolled back whole: write it again, one savepoint per command
        positions = {
            (_uuid(r["originator_id"]), int(r["originator_version"])): int(r["notification_id"]) for r in returned
        }
        return [[positions[(_uuid(e.originator_id), e.originator_version)] for e in events] for events in commands]

    def _one_savepoint_each(
        self, conn: psycopg.Connection[Any], commands: Sequence[Sequence[StoredEvent]]
    ) -> list[Outcome]:
        outcomes: list[Outcome] = []
        with conn.transaction(), conn.cursor() as curs:
            self._lock(curs)
            for events in commands:
                try:
                    with conn.transaction():  # a SAVEPOINT: a conflict undoes this command only
                        curs.execute(self._insert, self._columns(events), prepare=True)
                        returned = curs.fetchall()
                except psycopg.IntegrityError as e:
                    outcomes.append(StreamConflictError(str(e)))
                    continue
                positions = {
                    (_uuid(r["originator_id"]), int(r["originator_version"])): int(r["notification_id"])
                    for r in returned
                }
                outcomes.append([positions[(_uuid(e.originator_id), e.originator_version)] for e in events])
        return outcomes


class SQLiteBatchWriter:
    """One transaction per batch (SQLite has one writer, so positions commit in order), a SAVEPOINT per command."""

    def __init__(self, recorder: SQLiteApplicationRecorder) -> None:
        self.recorder = recorder
        self._insert = recorder.insert_events_statement

    def __call__(self, commands: Sequence[Sequence[StoredEvent]]) -> list[Outcome]:
        outcomes: list[Outcome] = []
        with self.recorder.datastore.transaction(commit=True) as curs:
            for events in commands:
                curs.execute("SAVEPOINT command")
                try:
                    ids: list[int] = []
                    for e in events:
                        originator = e.originator_id.hex if isinstance(e.originator_id, UUID) else e.originator_id
                        curs.execute(self._insert, (originator, e.originator_version, e.topic, e.state))
                        ids.append(int(curs.lastrowid))
                except (sqlite3.IntegrityError, RecorderIntegrityError) as e:
                    curs.execute("ROLLBACK TO SAVEPOINT command")
                    curs.execute("RELEASE SAVEPOINT command")
                    outcomes.append(StreamConflictError(str(e)))
                    continue
                curs.execute("RELEASE SAVEPOINT command")
                outcomes.append(ids)
        return outcomes


def _uuid(value: UUID | str) -> UUID:
    return value if isinstance(value, UUID) else UUID(value)
