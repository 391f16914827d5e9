"""What the application needs from the outside world, as protocols the adapters implement."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Protocol
from uuid import UUID

from claims.application.messages import LogScan, NewEvent, RecordedEvent


class StreamConflictError(Exception):
    """Raised by a store when an appended version already exists (someone else wrote first)."""


class StoreUnavailableError(Exception):
    """Raised by a store that cannot be reached; the request can be retried."""


class ReadModelBehindError(Exception):
    """Raised when a read model has not reached the position a reader asked for within its deadline."""

    def __init__(self, projection: str, wanted: int, reached: int) -> None:
        super().__init__(f"read model {projection} is at position {reached}, not yet at {wanted}")
        self.message = str(self)
        self.reason = "READ_MODEL_BEHIND"
        self.metadata = {"projection": projection, "min_position": str(wanted), "position": str(reached)}


class EventStore(Protocol):
    """An append-only log of streams with a global order."""

    def load(self, stream_id: UUID) -> list[RecordedEvent]:
        """Every event of a stream, in version order."""
        ...

    def load_after(self, stream_id: UUID, version: int) -> list[RecordedEvent]:
        """The events of a stream after ``version``, in version order (the tail a cached state lacks)."""
        ...

    def load_with_positions(self, stream_id: UUID, up_to: int | None = None, after: int = 0) -> list[RecordedEvent]:
        """The events of a stream after version ``after`` up to version ``up_to`` (to its end when None), in
        version order, each with its global position: a query or two for the stream, not one per event."""
        ...

    def append(self, events: Sequence[NewEvent]) -> int:
        """Store all events atomically; return the position of the last one."""
        ...

    def position_of(self, stream_id: UUID, version: int) -> int | None:
        """The global position of one stored event."""
        ...

    def read_all(self, after: int, limit: int) -> list[RecordedEvent]:
        """Up to ``limit`` events with positions greater than ``after``, in global order."""
        ...

    def scan(self, after: int, limit: int, topics: Collection[str] = (), *, read: bool = True) -> LogScan:
        """The next stretch of at most ``limit`` positions after ``after``, up to the head, with only the
        events whose topic is in ``topics`` decoded (every event when ``topics`` is empty): a reader that
        handles a few topics moves its position to ``end`` without reading the events in between. With
        ``read=False`` no event is read: only the stretch's ``end`` (a reader of the raw rows, the chain)."""
        ...

    def head_position(self) -> int:
        """The position of the newest event (0 for an empty store)."""
        ...
