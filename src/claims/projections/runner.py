"""Follows the log and feeds projections in batches: rows and tracking position commit together.

A batch is up to ``batch_size`` events in ONE transaction. Its first statement claims the batch by
moving the projection's tracking row from the position the batch starts after to the position of its
last event (``UPDATE … WHERE position = :start``): if another runner got there first, nothing matches,
the batch is refused before any handler runs, and the transaction rolls back. Then the handlers write
their rows in the same transaction, so rows and position commit together or not at all (exactly once).
Claiming first also takes the row lock (PostgreSQL) or the write lock (SQLite) before anything is read.
Projections at the same position share one read (and one decoding) of the log.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Protocol

from claims.adapters.persistence.database import Database, Transaction
from claims.application.messages import RecordedEvent
from claims.application.ports import EventStore

log = logging.getLogger("claims.projections")

DEFAULT_BATCH_SIZE = 500

ProgressObserver = Callable[[str, int], None]


class Projection(Protocol):
    """A read model: a stable name and a handler that writes through the given transaction."""

    name: str

    def handle(self, tx: Transaction, event: RecordedEvent) -> None: ...


class TrackingConflictError(Exception):
    """Raised when another worker advanced the projection first; the batch is rolled back."""


def ensure_tracking(database: Database, names: list[str]) -> None:
    """Give each projection its tracking row (position 0) unless it has one."""
    with database.write() as tx:
        for name in names:
            tx.execute(
                "INSERT INTO projection_tracking (projection, position) VALUES (:n, 0)"
                " ON CONFLICT (projection) DO NOTHING",
                {"n": name},
            )


class ProjectionRunner:
    """Catches projections up with the log, many events per transaction."""

    def __init__(
        self,
        store: EventStore,
        database: Database,
        projections: list[Projection],
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> None:
        if batch_size < 1:
            raise ValueError("a batch holds at least one event")
        self._store, self._db, self._projections, self._batch = store, database, projections, batch_size
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._progress = threading.Condition()
        self._observers: list[ProgressObserver] = []
        self._thread: threading.Thread | None = None
        ensure_tracking(database, [p.name for p in projections])

    @property
    def names(self) -> list[str]:
        return [p.name for p in self._projections]

    @property
    def batch_size(self) -> int:
        return self._batch

    def position(self, name: str) -> int:
        """How far ``name`` has processed the log."""
        with self._db.read() as tx:
            rows = tx.rows("SELECT position FROM projection_tracking WHERE projection = :n", {"n": name})
        return int(rows[0]["position"]) if rows else 0

    def positions(self) -> dict[str, int]:
        """How far each projection has processed the log (one query)."""
        with self._db.read() as tx:
            rows = tx.rows("SELECT projection, position FROM projection_tracking")
        known = {str(r["projection"]): int(r["position"]) for r in rows}
        return {p.name: known.get(p.name, 0) for p in self._projections}

    def on_progress(self, observer: ProgressObserver) -> None:
        """Call ``observer(name, position)`` after each committed batch (metrics, streams, benchmarks)."""
        self._observers.append(observer)

    def run_once(self) -> int:
        """Process at most one batch per projection; return how many events were processed (summed)."""
        positions = self.positions()
        pages: dict[int, list[RecordedEvent]] = {}
        done = 0
        for projection in self._projections:
            start = positions[projection.name]
            if start not in pages:
                pages[start] = self._store.read_all(start, self._batch)
            events = pages[start]
            if events:
                self._apply(projection, start, events)
                done += len(events)
        if done:
            with self._progress:
                self._progress.notify_all()
        return done

    def _apply(self, projection: Projection, start: int, events: list[RecordedEvent]) -> None:
        last = events[-1].position
        assert last is not None, "events read from the log carry their position"
        with self._db.batch() as tx:
            claimed = tx.rows(
                "UPDATE projection_tracking SET position = :last WHERE projection = :n AND position = :start"
                " RETURNING position",
                {"last": last, "n": projection.name, "start": start},
            )
            if not claimed:
                raise TrackingConflictError(f"{projection.name} is no longer at position {start}")
            for event in events:
                projection.handle(tx, event)
        for observer in self._observers:
            observer(projection.name, last)

    def catch_up(self) -> int:
        """Run batches until every projection has reached the head it finds; return the events processed."""
        total = 0
        while done := self.run_once():
            total += done
        return total

    def wait_for(self, name: str, position: int, timeout: float) -> bool:
        """Block until ``name`` has reached ``position`` or ``timeout`` seconds pass."""
        deadline = time.monotonic() + timeout
        self._wake.set()
        while self.position(name) < position:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            with self._progress:
                self._progress.wait(min(remaining, 0.05))
        return True

    def wake(self) -> None:
        """Tell the runner new events may be there (saves a polling interval)."""
        self._wake.set()

    def start(self, interval: float = 0.05) -> None:
        """Follow the log in a daemon thread, polling every ``interval`` seconds when idle (``wake`` cuts it short)."""
        self._thread = threading.Thread(target=self._loop, args=(interval,), name="projections", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _loop(self, interval: float) -> None:
        while not self._stop.is_set():
            try:
                if self.run_once():
                    continue
            except Exception:
                log.exception("projection batch failed; it will be retried")
                self._stop.wait(1.0)
            self._wake.wait(interval)
            self._wake.clear()
