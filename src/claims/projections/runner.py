"""Follows the log and feeds projections in batches: rows and tracking position commit together."""

from __future__ import annotations

import logging
import threading
import time
from typing import Protocol

from claims.adapters.persistence.database import Database, Transaction
from claims.application.messages import RecordedEvent
from claims.application.ports import EventStore

log = logging.getLogger("claims.projections")


class Projection(Protocol):
    """A read model: a stable name and a handler that writes through the given transaction."""

    name: str

    def handle(self, tx: Transaction, event: RecordedEvent) -> None: ...


class TrackingConflictError(Exception):
    """Raised when another worker advanced the projection first; the batch is rolled back."""


class ProjectionRunner:
    """Catches projections up with the log, many events per transaction."""

    def __init__(
        self, store: EventStore, database: Database, projections: list[Projection], batch_size: int = 500
    ) -> None:
        self._store, self._db, self._projections, self._batch = store, database, projections, batch_size
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._progress = threading.Condition()
        self._thread: threading.Thread | None = None
        for projection in projections:
            with self._db.write() as tx:
                tx.execute(
                    "INSERT INTO projection_tracking (projection, position) VALUES (:n, 0)"
                    " ON CONFLICT (projection) DO NOTHING",
                    {"n": projection.name},
                )

    def position(self, name: str) -> int:
        """How far ``name`` has processed the log."""
        with self._db.read() as tx:
            rows = tx.rows("SELECT position FROM projection_tracking WHERE projection = :n", {"n": name})
        return int(rows[0]["position"]) if rows else 0

    def run_once(self) -> int:
        """Process at most one batch per projection; return how many events were processed."""
        done = sum(self._step(p) for p in self._projections)
        if done:
            with self._progress:
                self._progress.notify_all()
        return done

    def _step(self, projection: Projection) -> int:
        start = self.position(projection.name)
        events = self._store.read_all(start, self._batch)
        if not events:
            return 0
        last = events[-1].position
        with self._db.write() as tx:
            for event in events:
                projection.handle(tx, event)
            tx.execute(
                "UPDATE projection_tracking SET position = :last WHERE projection = :n AND position = :start",
                {"last": last, "n": projection.name, "start": start},
            )
            if (
                tx.rows("SELECT position FROM projection_tracking WHERE projection = :n", {"n": projection.name})[0][
                    "position"
                ]
                != last
            ):
                raise TrackingConflictError(projection.name)
        return len(events)

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
