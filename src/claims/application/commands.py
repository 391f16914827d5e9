"""The one seam every mutation goes through: load → decide → append, with a request record.

A command may read several streams and write to several (a claim and the pre-authorization it
consumes); everything it writes is appended atomically, each stream at the version it was read
at, together with the request record that makes a retry return the first answer.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

from pydantic import BaseModel

from claims.application.messages import CallContext, CommandResult, EventMetadata, NewEvent
from claims.application.ports import EventStore, StoreUnavailableError, StreamConflictError
from claims.application.requests import RequestAccepted, request_digest, request_stream_id
from claims.domain.base import DomainEvent
from claims.domain.errors import ConcurrencyDetail, ConcurrentUpdateError, RequestIdReusedError

S = TypeVar("S")

MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class StreamType(Generic[S]):
    """How to rebuild one kind of stream's state from its events."""

    name: str
    # evolve(state | None, event) -> state; events come from the store untyped.
    evolve: Callable[[Any, Any], S]

    def fold(self, state: S | None, events: Sequence[Any]) -> S | None:
        """``state`` with ``events`` applied (what a decision is about to make of it)."""
        for event in events:
            state = self.evolve(state, event)
        return state

    def replay(self, store: EventStore, stream_id: UUID, cache: StateCache | None = None) -> tuple[S | None, int]:
        """A stream's state and version (0 when it has no events); from ``cache``'s state on when given."""
        if cache is not None:
            return cache.replay(store, stream_id, self)
        recorded = store.load(stream_id)
        state: S | None = None
        for each in recorded:
            state = self.evolve(state, each.event)
        return state, recorded[-1].version if recorded else 0


class StateCache:
    """Folded stream states, each at the version it was folded to, so a load reads and folds only the events
    written since (by this process or any other: the tail always comes from the store). States are frozen
    values, shared safely between threads. The least recently used streams are forgotten beyond ``max_streams``.
    """

    def __init__(self, max_streams: int = 20_000) -> None:
        self._max = max_streams
        self._entries: OrderedDict[tuple[UUID, str], tuple[int, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def replay(self, store: EventStore, stream_id: UUID, kind: StreamType[Any]) -> tuple[Any, int]:
        """``kind.replay(store, stream_id)``, from the cached state on."""
        key = (stream_id, kind.name)
        with self._lock:
            cached = self._entries.get(key)
        if cached is None:
            state, version = kind.replay(store, stream_id)
        else:
            version, state = cached
            tail = store.load_after(stream_id, version)
            if not tail:
                return state, version
            state = kind.fold(state, [r.event for r in tail])
            version = tail[-1].version
        if version > 0:
            with self._lock:
                known = self._entries.get(key)
                if known is None or known[0] < version:
                    self._entries[key] = (version, state)
                self._entries.move_to_end(key)
                while len(self._entries) > self._max:
                    self._entries.popitem(last=False)
        return state, version


@dataclass
class UnitOfWork:
    """What one attempt of a command read and decided to write."""

    store: EventStore
    now: datetime
    versions: dict[UUID, int] = field(default_factory=dict)
    pending: dict[UUID, list[DomainEvent]] = field(default_factory=dict)
    cache: StateCache | None = None
    # What this attempt read, by stream: a second load of a stream returns the same state and version.
    _read: dict[UUID, Any] = field(default_factory=dict)
    # The stream the caller named a version for, and that version: checked as soon as the stream is read, so
    # a caller whose version is stale hears ABORTED, never a refusal decided on a state it has not seen.
    target: UUID | None = None
    expected_version: int | None = None

    def load(self, stream_id: UUID, kind: StreamType[S]) -> S | None:
        """Read a stream; its version is remembered so the append is checked against it."""
        if stream_id in self._read:
            return self._read[stream_id]  # type: ignore[no-any-return]
        state, version = kind.replay(self.store, stream_id, self.cache)
        self.versions.setdefault(stream_id, version)
        if stream_id == self.target and self.expected_version is not None and self.expected_version != version:
            raise ConcurrentUpdateError(ConcurrencyDetail(str(stream_id), self.expected_version, version))
        self._read[stream_id] = state
        return state

    def record(self, stream_id: UUID, events: Sequence[DomainEvent]) -> None:
        """Queue events for a stream that was loaded in this unit of work."""
        if stream_id not in self.versions:
            raise RuntimeError(f"stream {stream_id} must be loaded before it is written")
        self.pending.setdefault(stream_id, []).extend(events)


class CommandRunner:
    """Runs units of work idempotently, retrying when another writer got there first."""

    def __init__(self, store: EventStore, clock: Callable[[], datetime], cache: StateCache | None = None) -> None:
        self._store, self._clock = store, clock
        self._cache = StateCache() if cache is None else cache

    def run(
        self, call: CallContext, command: BaseModel, target: UUID, work: Callable[[UnitOfWork], None]
    ) -> CommandResult:
        """Decide and append once; a retry of the same request returns the first result."""
        digest = request_digest(command, target, call.expected_version)
        for _ in range(MAX_ATTEMPTS):
            # The request record is not looked up first: a retry's append meets it (a conflict) and a retry's
            # refusal looks for it, so both answer with the first result, and a first try saves the read.
            unit = UnitOfWork(
                self._store, self._clock(), cache=self._cache, target=target, expected_version=call.expected_version
            )
            try:
                work(unit)
                self._check_expected(call, target, unit.versions.get(target, 0))
            except StoreUnavailableError:
                raise
            except Exception:
                earlier = self._answered(call, digest)
                if earlier is not None:
                    return earlier
                raise
            try:
                return self._append(call, type(command).__name__, digest, target, unit)
            except StreamConflictError:
                earlier = self._answered(call, digest)
                if earlier is not None:
                    return earlier
                if call.expected_version is not None:
                    actual = self._current_version(target)
                    raise ConcurrentUpdateError(ConcurrencyDetail(str(target), call.expected_version, actual)) from None
                # Someone else wrote first: decide again on the state that now includes their events.
        raise ConcurrentUpdateError(ConcurrencyDetail(str(target), None, self._current_version(target)))

    def _current_version(self, stream_id: UUID) -> int:
        recorded = self._store.load(stream_id)
        return recorded[-1].version if recorded else 0

    @staticmethod
    def _check_expected(call: CallContext, target: UUID, version: int) -> None:
        if call.expected_version is not None and call.expected_version != version:
            raise ConcurrentUpdateError(ConcurrencyDetail(str(target), call.expected_version, version))

    def _answered(self, call: CallContext, digest: str) -> CommandResult | None:
        request_id = request_stream_id(call.requester, call.request_id)
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

    def _append(self, call: CallContext, command: str, digest: str, target: UUID, unit: UnitOfWork) -> CommandResult:
        metadata = EventMetadata(
            actor=call.actor,
            request_id=call.request_id,
            correlation_id=call.correlation_id,
            causation_id=call.request_id,
            recorded_at=unit.now,
        )
        new: list[NewEvent] = []
        for stream_id, events in unit.pending.items():
            base = unit.versions[stream_id]
            new += [NewEvent(stream_id, base + i, event, metadata) for i, event in enumerate(events, start=1)]
        target_version = unit.versions.get(target, 0) + len(unit.pending.get(target, []))
        accepted = RequestAccepted(
            request_id=call.request_id,
            actor=call.actor,
            command=command,
            digest=digest,
            stream_id=target,
            version=target_version,
        )
        new.append(NewEvent(request_stream_id(call.requester, call.request_id), 1, accepted, metadata))
        position = self._store.append(new)
        return CommandResult(stream_id=target, version=target_version, position=position)
