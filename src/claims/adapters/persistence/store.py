"""The application's ``EventStore`` on an eventsourcing ``ApplicationRecorder``."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from typing import TypeVar
from uuid import UUID

from eventsourcing.persistence import (
    ApplicationRecorder,
    IntegrityError,
    InterfaceError,
    Notification,
    OperationalError,
    PersistenceError,
)

from claims.adapters.persistence.group_commit import CommitObserver, GroupCommitter, retry_fast_failures
from claims.adapters.persistence.mapper import to_recorded, to_stored
from claims.application.messages import LogScan, NewEvent, RecordedEvent
from claims.application.ports import StoreUnavailableError, StreamConflictError

PositionLookup = Callable[[UUID, int], int | None]
StreamPositions = Callable[[UUID, int, int | None], dict[int, int]]
StreamRange = Callable[[UUID, int, int | None], list[RecordedEvent]]
AppendObserver = Callable[[int], None]

log = logging.getLogger("claims.store")

T = TypeVar("T")


def single_attempt(method: Callable[..., T]) -> Callable[..., T]:
    """A recorder method without the library's own retry loop (PostgreSQL: 10 attempts, each waiting up to the
    connection timeout, about 50 s while the database is gone). Failures surface at once, as UNAVAILABLE, and
    the client retries with its request id; methods the library does not wrap are returned as they are."""
    inner = getattr(getattr(method, "__func__", None), "__wrapped__", None)
    if inner is None:
        return method
    bound: Callable[..., T] = inner.__get__(method.__self__)  # type: ignore[attr-defined]
    return bound


# Events this process appended, kept decoded for the readers that follow the log right behind (the projections
# in ``claims serve``): reading them back needs the rows, not decoding them again.
RECENT_EVENTS = 5_000


class RecorderEventStore:
    """Appends atomically through the library's recorder, which also fixes the global order."""

    def __init__(
        self,
        recorder: ApplicationRecorder,
        position_lookup: PositionLookup,
        stream_positions: StreamPositions | None = None,
        stream_range: StreamRange | None = None,
        committer: GroupCommitter | None = None,
    ) -> None:
        self.recorder = recorder
        self._stream_range = stream_range
        self._select_events = single_attempt(recorder.select_events)
        self._select_notifications = single_attempt(recorder.select_notifications)
        self._max_notification_id = single_attempt(recorder.max_notification_id)
        self._insert_events = single_attempt(recorder.insert_events)
        # With a committer, concurrent appends share one transaction (group commit); without, one each.
        self.committer = committer
        self._position_lookup = position_lookup
        self._stream_positions = stream_positions
        self._observers: list[AppendObserver] = []
        # The highest position known committed (by our appends and head reads): see ``scan``.
        self._committed = 0
        self._committed_lock = threading.Lock()
        self._recent: OrderedDict[int, RecordedEvent] = OrderedDict()

    def observe_appends(self, observer: AppendObserver) -> None:
        """Call ``observer(position)`` after each committed append (e.g. to wake an in-process projection runner)."""
        self._observers.append(observer)

    def observe_commits(self, observer: CommitObserver) -> None:
        """Call ``observer(batch_size)`` after each group commit (how many commands shared the transaction);
        without group commit every append is a batch of one."""
        if self.committer is not None:
            self.committer.observe_commits(observer)
        else:
            self._observers.append(lambda _position: observer(1))

    def close(self) -> None:
        """Write what is queued and stop the committer (appends after this fail as unavailable)."""
        if self.committer is not None:
            self.committer.close()

    def load(self, stream_id: UUID) -> list[RecordedEvent]:
        with _store_errors():
            return [to_recorded(s) for s in self._select_events(stream_id)]

    def load_after(self, stream_id: UUID, version: int) -> list[RecordedEvent]:
        with _store_errors():
            return [to_recorded(s) for s in self._select_events(stream_id, gt=version)]

    def load_with_positions(self, stream_id: UUID, up_to: int | None = None, after: int = 0) -> list[RecordedEvent]:
        """``load`` (versions after ``after`` up to ``up_to``) with each event's global position: one query for
        the positions of those versions (or, without a stream lookup, one ``position_of`` per event); with SQL,
        one query for events and positions together."""
        with _store_errors():
            if self._stream_range is not None:
                return self._stream_range(stream_id, after, up_to)
            stored = self._select_events(stream_id, gt=after or None, lte=up_to)
            if not stored:
                return []
            if self._stream_positions is not None:
                positions = self._stream_positions(stream_id, after, up_to)
                return [to_recorded(s, positions.get(s.originator_version)) for s in stored]
            return [to_recorded(s, self._position_lookup(stream_id, s.originator_version)) for s in stored]

    def append(self, events: Sequence[NewEvent]) -> int:
        stored = [to_stored(e) for e in events]
        if self.committer is not None:
            return self._committed_append(self.committer.submit(stored), events)
        try:
            ids = retry_fast_failures(lambda: self._insert_events(stored), (OperationalError, InterfaceError))
        except IntegrityError as e:
            raise StreamConflictError(str(e)) from e
        except PersistenceError as e:
            raise StoreUnavailableError(str(e)) from e
        return self._committed_append(ids, events)

    def _committed_append(self, ids: Sequence[int] | None, events: Sequence[NewEvent]) -> int:
        assert ids, "the recorder returned no notification ids"
        position = max(ids)
        self._remember(ids, events)
        self._known_committed(position)
        self._notify(position)
        return position

    def _remember(self, ids: Sequence[int], events: Sequence[NewEvent]) -> None:
        if len(ids) != len(events):
            return
        recorded = [
            RecordedEvent(e.stream_id, e.version, type(e.event).TOPIC, e.event, e.metadata, position)
            for position, e in zip(ids, events, strict=True)
        ]
        with self._committed_lock:
            for r in recorded:
                assert r.position is not None
                self._recent[r.position] = r
            while len(self._recent) > RECENT_EVENTS:
                self._recent.popitem(last=False)

    def _decoded(self, notifications: Sequence[Notification]) -> list[RecordedEvent]:
        """The notifications as recorded events: the ones this process appended as it appended them."""
        with self._committed_lock:
            known = [self._recent.get(n.id) for n in notifications]
        return [
            k
            if k is not None and k.stream_id == _as_uuid(n.originator_id) and k.version == n.originator_version
            else to_recorded(n, n.id)
            for k, n in zip(known, notifications, strict=True)
        ]

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
            notifications = self._select_notifications(after, limit, inclusive_of_start=False)
            return self._decoded(notifications)

    def scan(self, after: int, limit: int, topics: Collection[str] = (), *, read: bool = True) -> LogScan:
        """Positions ``(after, min(after + limit, head)]``, only ``topics`` read (the recorder filters in SQL).

        ``head`` is a position known committed before the events are read: the recorder commits positions
        in order (PostgreSQL inserts hold an exclusive lock on the events table until they commit; SQLite
        has one writer), so every event up to it is visible to the read that follows, and a reader moving
        to ``end`` passes over no event it asked for. (Reading the head after the events could cover an
        event committed in between, unread.) It is the highest position this store has seen committed (its
        own appends, earlier head reads), read afresh from the log only once a scan starts there: one query
        per scan near the head, none while catching up or after an append in this process.
        """
        if limit < 1:
            raise ValueError("a scan covers at least one position")
        with _store_errors():
            head = self._committed
            if head <= after:
                head = self._known_committed(self._max_notification_id() or 0)
            end = min(head, after + limit)
            if end <= after:
                return LogScan(after, after, [])
            if not read:
                return LogScan(after, end, [])
            notifications = self._select_notifications(
                after, limit, stop=end, topics=tuple(sorted(topics)), inclusive_of_start=False
            )
            return LogScan(after, end, self._decoded(notifications))

    def head_position(self) -> int:
        with _store_errors():
            return self._known_committed(self._max_notification_id() or 0)

    def _known_committed(self, position: int) -> int:
        """Note that ``position`` is committed (the log only grows, so it stays so); return it."""
        with self._committed_lock:
            self._committed = max(self._committed, position)
        return position


def _as_uuid(value: UUID | str) -> UUID:
    return value if isinstance(value, UUID) else UUID(value)


@contextmanager
def _store_errors() -> Iterator[None]:
    try:
        yield
    except IntegrityError:
        raise
    except PersistenceError as e:
        # A conflict is the caller's business; any other failure means the store cannot serve.
        raise StoreUnavailableError(str(e)) from e
