"""The application's ``EventStore`` on an eventsourcing ``ApplicationRecorder``."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from uuid import UUID

from eventsourcing.persistence import (
    ApplicationRecorder,
    IntegrityError,
    InterfaceError,
    OperationalError,
    PersistenceError,
)

from claims.adapters.persistence.mapper import to_recorded, to_stored
from claims.application.messages import NewEvent, RecordedEvent
from claims.application.ports import StoreUnavailableError, StreamConflictError

PositionLookup = Callable[[UUID, int], int | None]
AppendObserver = Callable[[int], None]

log = logging.getLogger("claims.store")

# A write that failed to reach the store was rolled back whole, so it is safe to try again.
APPEND_ATTEMPTS = 5


class RecorderEventStore:
    """Appends atomically through the library's recorder, which also fixes the global order."""

    def __init__(self, recorder: ApplicationRecorder, position_lookup: PositionLookup) -> None:
        self.recorder = recorder
        self._position_lookup = position_lookup
        self._observers: list[AppendObserver] = []

    def observe_appends(self, observer: AppendObserver) -> None:
        """Call ``observer(position)`` after each committed append (e.g. to wake an in-process projection runner)."""
        self._observers.append(observer)

    def load(self, stream_id: UUID) -> list[RecordedEvent]:
        with _store_errors():
            return [to_recorded(s) for s in self.recorder.select_events(stream_id)]

    def append(self, events: Sequence[NewEvent]) -> int:
        stored = [to_stored(e) for e in events]
        for attempt in range(1, APPEND_ATTEMPTS + 1):
            try:
                ids = self.recorder.insert_events(stored)
            except IntegrityError as e:
                raise StreamConflictError(str(e)) from e
            except (OperationalError, InterfaceError) as e:
                if attempt == APPEND_ATTEMPTS:
                    raise StoreUnavailableError(str(e)) from e
                time.sleep(0.01 * 2**attempt)
                continue
            except PersistenceError as e:
                raise StoreUnavailableError(str(e)) from e
            assert ids, "the recorder returned no notification ids"
            position = max(ids)
            self._notify(position)
            return position
        raise AssertionError("unreachable")

    def _notify(self, position: int) -> None:
        for observer in self._observers:
            try:
                observer(position)
            except Exception:
                # The events are committed: an observer's failure must not turn the append into an error.
                log.exception("append observer failed")

    def position_of(self, stream_id: UUID, version: int) -> int | None:
        with _store_errors():
            return self._position_lookup(stream_id, version)

    def read_all(self, after: int, limit: int) -> list[RecordedEvent]:
        with _store_errors():
            notifications = self.recorder.select_notifications(after, limit, inclusive_of_start=False)
            return [to_recorded(n, n.id) for n in notifications]

    def head_position(self) -> int:
        with _store_errors():
            return self.recorder.max_notification_id() or 0


@contextmanager
def _store_errors() -> Iterator[None]:
    try:
        yield
    except IntegrityError:
        raise
    except PersistenceError as e:
        # A conflict is the caller's business; any other failure means the store cannot serve.
        raise StoreUnavailableError(str(e)) from e
