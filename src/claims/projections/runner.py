"""Follows the log and feeds projections in batches: rows and tracking position commit together.

A batch is the projection's events among up to ``batch_size`` log positions, in ONE transaction. Its
first statement claims the batch by moving the projection's tracking row from the position the batch
starts after to the end of its stretch of the log (``UPDATE … WHERE position = :start``): if another
runner got there first, nothing matches, the batch is refused before any handler runs, and the
transaction rolls back. Then the handlers write their rows in the same transaction, so rows and position
commit together or not at all (exactly once). Claiming first also takes the row lock (PostgreSQL) or the
write lock (SQLite) before anything is read.

A projection declares the topics it handles (``topics``); the store reads only those, filtering in SQL,
so the events no projection handles are never fetched or decoded. The stretch comes from
``EventStore.scan``: the projection handles the events of its topics in it (possibly none) and its
position moves to the end of the stretch all the same, so it still reaches the head; a handled event is
never passed over, as a stretch ends at a head the store read before the events. Projections at the same
position share one scan (for the union of their topics) and one decoding. A projection of the raw rows
(the hash chain: ``handle_stretch``) is handed its stretch instead of events, so nothing is decoded for it.
A projection that can handle a batch's events together (``handle_batch``: lookups read once for the batch,
rows written with few statements) is handed them at once; its rows are the same as ``handle`` one by one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection, Sequence
from typing import Protocol, TypeGuard

from claims.adapters.persistence.database import Database, Transaction, in_list
from claims.application.messages import RecordedEvent
from claims.application.ports import EventStore
from claims.domain.base import DomainEvent

log = logging.getLogger("claims.projections")

DEFAULT_BATCH_SIZE = 500

ProgressObserver = Callable[[str, int], None]


class Projection(Protocol):
    """A read model: a stable name, the topics it handles, and a handler that writes through the given transaction.

    ``topics`` names every topic whose events ``handle`` does anything with (``None``: every event); the
    runner feeds it nothing else, so ``handle`` must do nothing for any other topic (a test checks that).
    """

    name: str

    @property
    def topics(self) -> tuple[str, ...] | None: ...

    def handle(self, tx: Transaction, event: RecordedEvent) -> None: ...


class StretchProjection(Projection, Protocol):
    """A projection of the stored rows themselves (the hash chain): handed each batch's stretch, not events."""

    def handle_stretch(self, tx: Transaction, after: int, end: int) -> None: ...


class BatchProjection(Projection, Protocol):
    """A projection handed each batch's events at once, so it reads and writes per batch, not per event.

    ``handle_batch(tx, events)`` leaves the same rows as ``handle`` called for each event in turn: a read of
    its own tables sees what the batch wrote before it (on PostgreSQL a read in the batch's pipeline waits for
    every statement sent before it, a round trip per event that dominated catch-up, issue 18).
    """

    def handle_batch(self, tx: Transaction, events: Sequence[RecordedEvent]) -> None: ...


def _of_stretch(projection: Projection) -> TypeGuard[StretchProjection]:
    return callable(getattr(projection, "handle_stretch", None))


def _of_batch(projection: Projection) -> TypeGuard[BatchProjection]:
    return callable(getattr(projection, "handle_batch", None))


def topics_of(*event_types: type[DomainEvent]) -> tuple[str, ...]:
    """The stored topics of ``event_types``: what a projection declares as the ``topics`` it handles."""
    return tuple(dict.fromkeys(t.TOPIC for t in event_types))


def _union(projections: Sequence[Projection]) -> frozenset[str] | None:
    """Every topic any of ``projections`` handles as events; ``None`` when one of them takes every event."""
    wanted: set[str] = set()
    for projection in projections:
        if _of_stretch(projection):
            continue  # it reads its stretch's rows itself
        if projection.topics is None:
            return None
        wanted.update(projection.topics)
    return frozenset(wanted)


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
        for projection in projections:
            if projection.topics is not None and not projection.topics:
                raise ValueError(f"{projection.name} handles no topic: declare its topics, or None for every event")
        self._store, self._db, self._projections, self._batch = store, database, projections, batch_size
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._progress = threading.Condition()
        self._observers: list[ProgressObserver] = []
        self._thread: threading.Thread | None = None
        self._behind = False
        ensure_tracking(database, [p.name for p in projections])

    @property
    def names(self) -> list[str]:
        return [p.name for p in self._projections]

    @property
    def behind(self) -> bool:
        """Whether the last ``run_once`` filled a whole batch for some projection (more is likely waiting)."""
        return self._behind

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
        """Process at most one batch per projection; return how many log positions they moved on (summed).

        Each batch covers at most ``batch_size`` positions and holds the events of the projection's topics
        among them; projections at the same position share one scan of the log and one transaction.
        """
        positions = self.positions()
        # Projections at one position share one scan, the hash chain's included, each handed only its topics:
        # scanning apart read and decoded the topic projections' events twice (issue 18).
        starting: dict[int, list[Projection]] = {}
        for projection in self._projections:
            starting.setdefault(positions[projection.name], []).append(projection)
        done, self._behind = 0, False
        for start, group in starting.items():
            wanted = _union(group)
            if wanted is None:
                scan = self._store.scan(start, self._batch)
            else:  # no events at all when only the chain starts here
                scan = self._store.scan(start, self._batch, wanted, read=bool(wanted))
            if scan.end > start:
                self._behind = self._behind or scan.end - start >= self._batch
                self._apply_all([(p, _for(p, scan.events)) for p in group], start, scan.end)
                done += (scan.end - start) * len(group)
        if done:
            with self._progress:
                self._progress.notify_all()
        return done

    def _apply_all(self, batch: list[tuple[Projection, list[RecordedEvent]]], start: int, last: int) -> None:
        """Move every projection of ``batch`` from ``start`` to ``last``, handing each its events, in ONE transaction.

        Projections at one position share the transaction as they share the scan: one commit for the batch
        (seven commits per stretch were an eighth of catch-up on SQLite, issue 18). A conflict or a failing
        handler rolls the whole batch back; every projection in it retries from ``start``.
        """
        assert all(start < (e.position or 0) <= last for _, events in batch for e in events), (
            "a batch's events lie within its stretch"
        )
        with self._db.batch() as tx:
            _claim(tx, [projection.name for projection, _ in batch], start, last)
            for projection, events in batch:
                if _of_stretch(projection):
                    projection.handle_stretch(tx, start, last)
                elif _of_batch(projection):
                    projection.handle_batch(tx, events)
                else:
                    for event in events:
                        projection.handle(tx, event)
        for projection, _ in batch:
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

    def progressed(self, name: str, position: int) -> None:
        """Another process committed a batch of ``name`` up to ``position``: wake waiters, tell observers."""
        with self._progress:
            self._progress.notify_all()
        for observer in self._observers:
            observer(name, position)

    def wake(self) -> None:
        """Tell the runner new events may be there (saves a polling interval)."""
        self._wake.set()

    def start(self, interval: float = 0.05, linger: float = 0.0) -> None:
        """Follow the log in a daemon thread, polling every ``interval`` seconds when idle (``wake`` cuts it short);
        woken, wait ``linger`` seconds for more appends before the next batch (see ``claims.projections.child``)."""
        self._thread = threading.Thread(target=self._loop, args=(interval, linger), name="projections", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _loop(self, interval: float, linger: float) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
                if self._behind:
                    continue
            except Exception:
                log.exception("projection batch failed; it will be retried")
                self._stop.wait(1.0)
            if self._wake.wait(interval) and linger:
                self._stop.wait(linger)
            self._wake.clear()


def _claim(tx: Transaction, names: list[str], start: int, last: int) -> None:
    """Move every one of ``names`` from ``start`` to ``last`` in one statement, or refuse the batch."""
    placeholders, keys = in_list("n", names)
    claimed = tx.rows(
        f"UPDATE projection_tracking SET position = :last WHERE projection IN {placeholders}"  # noqa: S608
        " AND position = :start RETURNING projection",
        {**keys, "last": last, "start": start},
    )
    if behind := sorted(set(names) - {str(r["projection"]) for r in claimed}):
        raise TrackingConflictError(f"{', '.join(behind)} no longer at position {start}")


def _for(projection: Projection, events: list[RecordedEvent]) -> list[RecordedEvent]:
    """The events of a shared scan that ``projection`` handles."""
    if _of_stretch(projection):
        return []
    if projection.topics is None:
        return events
    topics: Collection[str] = frozenset(projection.topics)
    return [e for e in events if e.topic in topics]
