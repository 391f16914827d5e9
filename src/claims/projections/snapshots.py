"""The "snapshots" projection: what lets GetStateAt answer without replaying whole streams.

For every event of a vehicle, repair order, claim, pre-authorization, statutory case or contract stream it
keeps a row of ``rm_stream_versions`` (stream, version, position, recorded time: a recorded time → version
index), and at every ``interval``-th version of a stream a row of ``rm_snapshots``: the state those events
fold to, as JSON, tagged with the fingerprint of the code that folded it (``claims.application.snapshots``).

A snapshot is folded from the stream's previous snapshot written by the same code (or from the first event
when there is none) and the events after it, read from the log inside the batch's transaction: the
projection keeps nothing in memory, so it runs the same in ``claims serve``, in a ``claims project`` worker
(a standby taking over mid-stream) and in ``claims projections rebuild``. It writes a snapshot only when its
JSON reads back equal to the folded state, so ``state_at`` can never start from a state a replay would not
give.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from claims.adapters.persistence.database import Database, Transaction
from claims.adapters.persistence.stream_rows import stream_events
from claims.application.messages import RecordedEvent
from claims.application.snapshots import (
    BY_TOPIC,
    DEFAULT_SNAPSHOT_INTERVAL,
    IndexAnswer,
    SnapshotKind,
    StateReader,
    StoredSnapshot,
)

log = logging.getLogger("claims.projections.snapshots")


def _stream(dialect: str, stream_id: UUID) -> Any:
    return str(stream_id) if dialect == "sqlite" else stream_id


def _moment(dialect: str, at: datetime) -> Any:
    """A recorded time as the dialect stores it: SQLite text in one format whose text order is time order."""
    if dialect == "sqlite":
        return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")
    return at


_VERSION_COLUMNS = {"stream_id": "uuid", "version": "bigint", "position": "bigint", "recorded_at": "timestamptz"}
_NEAREST = (
    "SELECT version, position, fingerprint, state FROM rm_snapshots WHERE stream_id = :s AND version <= :v"
    " AND fingerprint = :f ORDER BY version DESC LIMIT 1"
)


def _nearest(tx: Transaction, stream_id: UUID, up_to: int, fingerprint: str) -> StoredSnapshot | None:
    rows = tx.rows(_NEAREST, {"s": _stream(tx.dialect, stream_id), "v": up_to, "f": fingerprint})
    if not rows:
        return None
    r = rows[0]
    return StoredSnapshot(int(r["version"]), int(r["position"]), str(r["fingerprint"]), str(r["state"]))


class SnapshotProjection:
    """Keeps rm_stream_versions (every event of a stateful stream) and rm_snapshots (every ``interval`` events)."""

    name = "snapshots"
    tables = ("rm_stream_versions", "rm_snapshots")
    topics = tuple(BY_TOPIC)

    def __init__(self, interval: int = DEFAULT_SNAPSHOT_INTERVAL) -> None:
        if interval < 1:
            raise ValueError("a snapshot covers at least one event")
        self.interval = interval

    def handle(self, tx: Transaction, event: RecordedEvent) -> None:
        self.handle_batch(tx, [event])

    def handle_batch(self, tx: Transaction, events: Sequence[RecordedEvent]) -> None:
        """The events in turn, their rm_stream_versions rows inserted in one call (nothing here reads them)."""
        versions: list[tuple[Any, ...]] = []
        for event in events:
            kind = BY_TOPIC.get(event.topic)
            if kind is None:
                continue
            at = _moment(tx.dialect, event.metadata.recorded_at)
            versions.append((_stream(tx.dialect, event.stream_id), event.version, event.position, at))
            if event.version % self.interval == 0:
                self._snapshot(tx, kind, event)
        tx.insert_rows("rm_stream_versions", _VERSION_COLUMNS, versions)

    def _snapshot(self, tx: Transaction, kind: SnapshotKind, event: RecordedEvent) -> None:
        fingerprint = kind.fingerprint
        base = _nearest(tx, event.stream_id, event.version - 1, fingerprint)
        after = base.version if base is not None else 0
        state = kind.decode(base.state) if base is not None else None
        events = stream_events(tx, event.stream_id, after, event.version)
        if [e.version for e in events] != list(range(after + 1, event.version + 1)):
            log.warning("stream %s: versions after %d are not contiguous; no snapshot", event.stream_id, after)
            return
        folded = kind.stream.fold(state, [e.event for e in events])
        assert folded is not None, "a snapshot follows at least one event"
        text = kind.encode(folded)
        if kind.decode(text) != folded:
            log.warning("stream %s version %d: its state does not read back equal; no snapshot", event.stream_id,
                        event.version)  # fmt: skip
            return
        tx.execute(
            "INSERT INTO rm_snapshots (stream_id, version, position, kind, fingerprint, state)"
            " VALUES (:s, :v, :p, :k, :f, :state) ON CONFLICT (stream_id, version) DO UPDATE SET"
            " position = excluded.position, kind = excluded.kind, fingerprint = excluded.fingerprint,"
            " state = excluded.state",
            {
                "s": _stream(tx.dialect, event.stream_id),
                "v": event.version,
                "p": event.position,
                "k": kind.name,
                "f": fingerprint,
                "state": text,
            },
        )


class SqlStateIndex:
    """``StateIndex`` on the snapshots projection's tables: one read transaction per ``state_at`` call."""

    def __init__(self, database: Database) -> None:
        self._db = database

    @contextmanager
    def reading(self) -> Iterator[StateReader]:
        with self._db.read() as tx:
            yield _TransactionReader(tx)


class _TransactionReader:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def lookup(self, stream_id: UUID, fingerprint: str, up_to: int | None, at: datetime | None) -> IndexAnswer:
        tx = self._tx
        stream = _stream(tx.dialect, stream_id)
        if at is None:
            rows = tx.rows("SELECT MAX(version) AS v FROM rm_stream_versions WHERE stream_id = :s", {"s": stream})
            indexed, at_version = rows[0]["v"], None
        else:
            rows = tx.rows(
                "SELECT MAX(version) AS v, MAX(CASE WHEN recorded_at <= :at THEN version END) AS at_v"
                " FROM rm_stream_versions WHERE stream_id = :s",
                {"s": stream, "at": _moment(tx.dialect, at)},
            )
            indexed, at_version = rows[0]["v"], rows[0]["at_v"]
            at_version = None if at_version is None else int(at_version)
            up_to = at_version or 0 if up_to is None else min(up_to, at_version or 0)
        indexed = 0 if indexed is None else int(indexed)
        bound = indexed if up_to is None else min(up_to, indexed)
        snapshot = _nearest(tx, stream_id, bound, fingerprint) if bound > 0 else None
        return IndexAnswer(indexed, at_version, snapshot)

    def events(self, stream_id: UUID, after: int, up_to: int | None) -> list[RecordedEvent]:
        return stream_events(self._tx, stream_id, after, up_to)
