"""Envelopes around domain events: the stream, version, position and metadata the store keeps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from claims.application.principal import SYSTEM, Principal, Role
from claims.domain.base import DomainEvent


@dataclass(frozen=True)
class EventMetadata:
    """Who caused an event and why, stored beside its payload (never inside the domain fact)."""

    actor: str
    request_id: str
    correlation_id: str
    causation_id: str
    recorded_at: datetime


@dataclass(frozen=True)
class NewEvent:
    """An event about to be appended at ``version`` of ``stream_id``."""

    stream_id: UUID
    version: int
    event: DomainEvent
    metadata: EventMetadata


@dataclass(frozen=True)
class RecordedEvent:
    """An event as stored; ``position`` is its place in the global order when read from the log."""

    stream_id: UUID
    version: int
    topic: str
    event: DomainEvent
    metadata: EventMetadata
    position: int | None = None


@dataclass(frozen=True)
class CallContext:
    """What the transport knows about a call: who, which request, and the version it expects."""

    actor: str
    request_id: str
    correlation_id: str
    expected_version: int | None = None
    # Who the transport authenticated (issue 7); SYSTEM for the engine's own commands and unauthenticated servers.
    principal: Principal = SYSTEM

    @property
    def requester(self) -> str:
        """Whose request ids these are: the authenticated principal's name (so a retry after a key rotation still
        finds the first answer), else the actor the caller named."""
        return self.actor if self.principal.role is Role.SYSTEM else self.principal.name


@dataclass(frozen=True)
class CommandResult:
    """What a mutation answers: the stream it changed, its new version, the global position."""

    stream_id: UUID
    version: int
    position: int


@dataclass(frozen=True)
class LogScan:
    """One stretch of the global order, read for the topics a reader handles.

    ``events`` holds, in order, every event with a position in ``(after, end]`` whose topic was asked for;
    the others in that stretch were passed over unread. ``end`` is where a reader's position may move to
    once it has handled ``events`` (even none): it never passes the head the store saw, so an event appended
    later always lands beyond it. ``end == after`` means the log has nothing past ``after`` yet.
    """

    after: int
    end: int
    events: list[RecordedEvent]
