"""`claims project`: projection workers in their own process, exactly one active per projection.

PostgreSQL: a worker takes its projection with ``pg_try_advisory_lock`` on a key derived from the
store (database and schema) and the projection name, on a dedicated connection it keeps for its
lifetime. A second worker for the same projection retries every ``retry_seconds``; when the first
dies its connection closes, the server releases the lock, and the second takes over from the
tracking position. An active worker checks its lock connection between batches and steps back if it
was lost. It also LISTENs on the library's append channel, so a new event wakes it at once.

The lock is about liveness and wasted work, not correctness: each batch first claims the tracking row
(``UPDATE … WHERE position = :start``) in the transaction that writes its rows, so even two active
runners could never process an event twice or skip one.

SQLite: the embedded store belongs to one server (``claims serve`` runs the projections, in a child process);
a worker there needs no lock, takes its projection at once and polls.
"""

from __future__ import annotations

import enum
import logging
import threading
import time
from typing import Protocol

from claims.adapters.persistence.connection import DedicatedConnection, advisory_key
from claims.adapters.persistence.factory import Persistence
from claims.projections.runner import DEFAULT_BATCH_SIZE, Projection, ProjectionRunner

log = logging.getLogger("claims.projections.worker")


class ProjectionLock(Protocol):
    """Who may run a projection: taken once, held until released or lost."""

    def acquire(self) -> bool:
        """Take the lock if it is free; whether we hold it now."""
        ...

    def held(self) -> bool:
        """Whether we still hold it."""
        ...

    def idle(self, timeout: float) -> None:
        """Wait up to ``timeout`` seconds, returning early when new events may have been appended."""
        ...

    def release(self) -> None: ...


class AdvisoryLock:
    """A PostgreSQL session-level advisory lock on a connection of its own."""

    def __init__(self, persistence: Persistence, name: str) -> None:
        self._location = persistence.location
        self._key = advisory_key(persistence.location, name)
        self._channel: str | None = getattr(persistence.recorder, "channel_name", None)
        self.connection: DedicatedConnection | None = None

    def acquire(self) -> bool:
        if self.connection is None:
            self.connection = DedicatedConnection(self._location)
        try:
            taken = self.connection.try_advisory_lock(self._key)
        except Exception:
            self.release()
            raise
        if taken and self._channel:
            self.connection.listen(self._channel)
        return taken

    def held(self) -> bool:
        return self.connection is not None and self.connection.alive()

    def idle(self, timeout: float) -> None:
        if self.connection is not None and self._channel:
            self.connection.wait_for_notify(timeout)
        else:
            time.sleep(timeout)

    def release(self) -> None:
        # Closing the session releases every lock it holds, and stops the LISTEN.
        if self.connection is not None:
            self.connection.close()
            self.connection = None


class NoLock:
    """SQLite: one process owns the store, so there is nobody to exclude."""

    def acquire(self) -> bool:
        return True

    def held(self) -> bool:
        return True

    def idle(self, timeout: float) -> None:
        time.sleep(timeout)

    def release(self) -> None:
        pass


def lock_for(persistence: Persistence, name: str) -> ProjectionLock:
    """The advisory lock on PostgreSQL; none on SQLite (single process)."""
    if persistence.location.backend == "postgresql":
        return AdvisoryLock(persistence, name)
    if persistence.location.backend == "sqlite":
        return NoLock()
    raise ValueError("projection workers need a SQLite or PostgreSQL store")


class WorkerState(enum.Enum):
    STARTING = "starting"
    WAITING = "waiting"
    ACTIVE = "active"
    STOPPED = "stopped"


class ProjectionWorker:
    """Runs one projection while it holds the projection's lock; waits for the lock otherwise."""

    def __init__(
        self,
        persistence: Persistence,
        projection: Projection,
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        poll_seconds: float = 0.05,
        retry_seconds: float = 1.0,
        lock: ProjectionLock | None = None,
    ) -> None:
        assert persistence.database is not None, "projections need a SQL store"
        self.name = projection.name
        self.runner = ProjectionRunner(persistence.events, persistence.database, [projection], batch_size)
        self.lock = lock or lock_for(persistence, projection.name)
        self._poll, self._retry = poll_seconds, retry_seconds
        self._stop = threading.Event()
        self._state = WorkerState.STARTING
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    @property
    def state(self) -> WorkerState:
        return self._state

    def _become(self, state: WorkerState) -> None:
        with self._changed:
            self._state = state
            self._changed.notify_all()

    def wait_until(self, state: WorkerState, timeout: float) -> bool:
        """Block until the worker is in ``state`` (tests, supervision); whether it got there in time."""
        with self._changed:
            return self._changed.wait_for(lambda: self._state is state, timeout)

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name=f"project-{self.name}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the batch in hand (it commits or rolls back whole) and release the lock."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def run(self) -> None:
        """Wait for the lock, then follow the log until stopped or the lock is lost; again and again."""
        try:
            while not self._stop.is_set():
                if not self._try_acquire():
                    self._stop.wait(self._retry)
                    continue
                try:
                    self._follow()
                finally:
                    self.lock.release()
                if not self._stop.is_set():
                    # It lost the lock: stand back for two retries, so a standby (trying every retry) goes first.
                    self._become(WorkerState.WAITING)
                    self._stop.wait(2 * self._retry)
        finally:
            self._become(WorkerState.STOPPED)

    def _try_acquire(self) -> bool:
        try:
            taken = self.lock.acquire()
        except Exception:
            log.exception("projection %s: cannot reach the store to take the lock; retrying", self.name)
            taken = False
        if not taken and self._state is not WorkerState.WAITING:
            log.info("projection %s: waiting (another worker holds it)", self.name)
            self._become(WorkerState.WAITING)
        return taken

    def _follow(self) -> None:
        log.info("projection %s: active", self.name)
        self._become(WorkerState.ACTIVE)
        checked = time.monotonic()
        while not self._stop.is_set():
            try:
                if time.monotonic() - checked >= self._retry:
                    if not self.lock.held():
                        log.warning("projection %s: lost its lock connection; stepping back", self.name)
                        return
                    checked = time.monotonic()
                if self.runner.run_once():
                    continue
            except Exception:
                log.exception("projection %s: batch failed (rolled back); it will be retried", self.name)
                self._stop.wait(self._retry)
                continue
            self.lock.idle(self._poll)
