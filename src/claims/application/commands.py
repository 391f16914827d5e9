"""The one seam every mutation goes through: load → decide → append with a request record."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Generic, TypeVar
from uuid import UUID

from pydantic import BaseModel

from claims.application.messages import CallContext, CommandResult, EventMetadata, NewEvent
from claims.application.ports import EventStore, StreamConflictError
from claims.application.requests import RequestAccepted, request_digest, request_stream_id
from claims.domain.base import DomainEvent
from claims.domain.context import DecisionContext
from claims.domain.errors import ConcurrencyDetail, ConcurrentUpdateError, RequestIdReusedError

S = TypeVar("S")
C = TypeVar("C", bound=BaseModel)
E = TypeVar("E", bound=DomainEvent)

MAX_ATTEMPTS = 5


class StreamHandler(Generic[S, C, E]):
    """Runs commands against one kind of stream, given its ``evolve`` and ``decide``."""

    def __init__(
        self,
        store: EventStore,
        clock: Callable[[], datetime],
        evolve: Callable[[S | None, E], S],
        decide: Callable[[S | None, C, DecisionContext], Sequence[E]],
    ) -> None:
        self._store, self._clock, self._evolve, self._decide = store, clock, evolve, decide

    def load(self, stream_id: UUID) -> tuple[S | None, int]:
        """The stream's state and version (0 when it has no events)."""
        state: S | None = None
        version = 0
        for recorded in self._store.load(stream_id):
            state = self._evolve(state, recorded.event)  # type: ignore[arg-type]
            version = recorded.version
        return state, version

    def execute(self, call: CallContext, stream_id: UUID, command: C) -> CommandResult:
        """Decide and append once; a retry of the same request returns the first result."""
        digest = request_digest(command, stream_id, call.expected_version)
        for _ in range(MAX_ATTEMPTS):
            earlier = self._answered(call, digest)
            if earlier is not None:
                return earlier
            state, version = self.load(stream_id)
            if call.expected_version is not None and call.expected_version != version:
                raise ConcurrentUpdateError(ConcurrencyDetail(str(stream_id), call.expected_version, version))
            events = self._decide(state, command, DecisionContext(now=self._clock()))
            try:
                return self._append(call, type(command).__name__, digest, stream_id, version, events)
            except StreamConflictError:
                earlier = self._answered(call, digest)
                if earlier is not None:
                    return earlier
                if call.expected_version is not None:
                    raise ConcurrentUpdateError(
                        ConcurrencyDetail(str(stream_id), call.expected_version, self.load(stream_id)[1])
                    ) from None
                # Someone else wrote first: decide again on the state that now includes their events.
        raise ConcurrentUpdateError(ConcurrencyDetail(str(stream_id), None, self.load(stream_id)[1]))

    def _answered(self, call: CallContext, digest: str) -> CommandResult | None:
        request_id = request_stream_id(call.actor, call.request_id)
        recorded = self._store.load(request_id)
        if not recorded:
            return None
        accepted = recorded[0].event
        assert isinstance(accepted, RequestAccepted)
        if accepted.digest != digest:
            raise RequestIdReusedError(
                f"request id {call.request_id} was already used for a different {accepted.command} request",
                metadata={"request_id": call.request_id, "command": accepted.command},
            )
        position = self._store.position_of(request_id, 1)
        assert position is not None
        return CommandResult(stream_id=accepted.stream_id, version=accepted.version, position=position)

    def _append(
        self, call: CallContext, command: str, digest: str, stream_id: UUID, version: int, events: Sequence[E]
    ) -> CommandResult:
        metadata = EventMetadata(
            actor=call.actor,
            request_id=call.request_id,
            correlation_id=call.correlation_id,
            causation_id=call.request_id,
            recorded_at=self._clock(),
        )
        new = [NewEvent(stream_id, version + i, event, metadata) for i, event in enumerate(events, start=1)]
        new_version = version + len(events)
        accepted = RequestAccepted(
            request_id=call.request_id,
            actor=call.actor,
            command=command,
            digest=digest,
            stream_id=stream_id,
            version=new_version,
        )
        request = NewEvent(request_stream_id(call.actor, call.request_id), 1, accepted, metadata)
        position = self._store.append([*new, request])
        return CommandResult(stream_id=stream_id, version=new_version, position=position)
