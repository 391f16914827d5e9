"""State as of any moment: one stream replayed up to a version, or up to a recorded time, with its events."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from pydantic import BaseModel

from claims.application import access
from claims.application.commands import StreamType
from claims.application.messages import RecordedEvent
from claims.application.ports import EventStore
from claims.application.principal import SYSTEM, Principal, Role
from claims.application.snapshots import BY_NAME, IndexAnswer, StateIndex, StateReader
from claims.application.streams import CLAIMS, CONTRACTS, PREAUTHS, REPAIR_ORDERS, STATUTORY_CASES, VEHICLES
from claims.domain.errors import FieldViolation, InvalidCommandError, NotFoundError
from claims.domain.ids import (
    claim_id_for,
    contract_id_for,
    preauth_id_for,
    repair_order_id_for,
    statutory_case_id_for,
    vehicle_id_for,
)
from claims.domain.vehicle.state import Vehicle


class SubjectKind(StrEnum):
    """What an auditor can ask the state of, each named by its natural key."""

    VEHICLE = "vehicle"  # (vin,)
    REPAIR_ORDER = "repair_order"  # (dealer_id, ro_number)
    CLAIM = "claim"  # (dealer_id, claim_number)
    PREAUTH = "preauth"  # (dealer_id, preauth_number)
    STATUTORY_CASE = "statutory_case"  # (vin,)
    CONTRACT = "contract"  # (insurer_id, contract_number)


_KEY_FIELDS: dict[SubjectKind, tuple[str, ...]] = {
    SubjectKind.VEHICLE: ("vin",),
    SubjectKind.REPAIR_ORDER: ("dealer_id", "ro_number"),
    SubjectKind.CLAIM: ("dealer_id", "claim_number"),
    SubjectKind.PREAUTH: ("dealer_id", "preauth_number"),
    SubjectKind.STATUTORY_CASE: ("vin",),
    SubjectKind.CONTRACT: ("insurer_id", "contract_number"),
}


@dataclass(frozen=True)
class StateAt:
    """A stream's state as its first ``version`` events made it, and those events or a page of them (each with
    its position)."""

    kind: SubjectKind
    stream_id: UUID
    version: int
    state: BaseModel
    events: tuple[RecordedEvent, ...]
    next_event_version: int | None = None  # the version of the first event not in ``events``, when there are more

    def state_json(self) -> dict[str, Any]:
        return self.state.model_dump(mode="json")


def subject_stream(kind: SubjectKind, key: Sequence[str]) -> tuple[UUID, StreamType[Any]]:
    """The stream id and stream type of ``kind`` named by ``key`` (INVALID_ARGUMENT on a missing part)."""
    fields = _KEY_FIELDS[kind]
    missing = [f for i, f in enumerate(fields) if i >= len(key) or not key[i]]
    if missing or len(key) != len(fields):
        why = f"a {kind.value} is named by {' and '.join(fields)}"
        raise InvalidCommandError([FieldViolation(f, why) for f in missing or fields])
    match kind:
        case SubjectKind.VEHICLE:
            return vehicle_id_for(key[0]), VEHICLES
        case SubjectKind.REPAIR_ORDER:
            return repair_order_id_for(key[0], key[1]), REPAIR_ORDERS
        case SubjectKind.CLAIM:
            return claim_id_for(key[0], key[1]), CLAIMS
        case SubjectKind.PREAUTH:
            return preauth_id_for(key[0], key[1]), PREAUTHS
        case SubjectKind.STATUTORY_CASE:
            return statutory_case_id_for(vehicle_id_for(key[0])), STATUTORY_CASES
        case SubjectKind.CONTRACT:
            return contract_id_for(key[0], key[1]), CONTRACTS


def state_at(
    store: EventStore,
    kind: SubjectKind,
    key: Sequence[str],
    at: datetime | None = None,
    version: int | None = None,
    principal: Principal = SYSTEM,
    *,
    index: StateIndex | None = None,
    events_from: int = 1,
    events_limit: int | None = None,
) -> StateAt:
    """``kind``'s state up to ``version``, or up to its last event recorded at or before ``at``; the latest when
    neither is given. NOT_FOUND when the stream had no events by then (or never reached ``version``), and, alike,
    when ``principal`` may not see the subject today (claims.application.access).

    With an ``index`` (the snapshots projection) it starts from the nearest snapshot written by this code at or
    below that version and folds only the events after it, and finds the version of a moment in the index; the
    events the index has not seen yet (a projection behind) are read from the log, so the answer is the same as
    a full replay's either way. ``events`` holds the events that made the state from version ``events_from``,
    at most ``events_limit`` of them (all when None); ``next_event_version`` is the version after the last
    one returned, when there are more."""
    if at is not None and version is not None:
        raise InvalidCommandError([FieldViolation("as_of", "a recorded time or a version, not both")])
    if version is not None and version < 1:
        raise InvalidCommandError([FieldViolation("version", "versions start at 1")])
    if at is not None and at.tzinfo is None:
        raise InvalidCommandError([FieldViolation("recorded_at", "a moment with its UTC offset")])
    stream_id, stream = subject_stream(kind, key)
    try:
        with index.reading() if index is not None else nullcontext(_StoreReader(store)) as reader:
            found = _state_at(reader, kind, key, stream_id, stream, at, version, events_from, events_limit)
    except NotFoundError:
        # Why it was not found (a version it never reached, say) is only for those who may see the subject.
        if not access.sees_everything(principal):
            latest = stream.replay(store, stream_id)[0]
            if latest is None or not _visible(store, principal, kind, key, latest):
                raise _as_if_empty(kind, key, at, version) from None
        raise
    if not _visible(store, principal, kind, key, found.state):
        raise _as_if_empty(kind, key, at, version)  # answered exactly as a subject with no events
    if isinstance(found.state, Vehicle):  # other insurers' contracts on it are theirs
        found = replace(found, state=access.redacted_vehicle(principal, found.state))
    return replace(found, events=tuple(r for r in found.events if access.sees_event(principal, r.event)))


def _as_if_empty(kind: SubjectKind, key: Sequence[str], at: datetime | None, version: int | None) -> NotFoundError:
    if version is not None:
        return _not_found(kind, key, f"has no version {version} (it has 0)")
    if at is not None:
        return _not_found(kind, key, f"has no events recorded at or before {at.isoformat()}")
    return _not_found(kind, key, "has no events recorded")


_NOT_FOR_INSURERS = frozenset({SubjectKind.REPAIR_ORDER, SubjectKind.PREAUTH, SubjectKind.STATUTORY_CASE})


def _visible(store: EventStore, principal: Principal, kind: SubjectKind, key: Sequence[str], state: Any) -> bool:
    """Whether ``principal`` may see the subject (by today's vehicle: its make and the contracts on it)."""
    if access.sees_everything(principal):
        return True
    if principal.role is Role.INSURER and kind in _NOT_FOR_INSURERS:
        return False  # as GetRepairOrder, GetPreAuthorization and GetStatutoryCase refuse them
    match kind:
        case SubjectKind.CONTRACT:
            return access.sees_insurer_resource(principal, key[0])
        case SubjectKind.VEHICLE | SubjectKind.STATUTORY_CASE:
            vehicle = VEHICLES.replay(store, vehicle_id_for(key[0]))[0]
            return vehicle is not None and access.sees_vehicle(principal, vehicle)
        case _:  # a dealer's repair order, claim or pre-authorization
            if principal.role is Role.DEALER:
                return access.sees_dealer_resource(principal, key[0], None)
            vehicle = VEHICLES.replay(store, vehicle_id_for(str(getattr(state, "vin", ""))))[0]
            return access.sees_dealer_resource(principal, key[0], vehicle)


class _StoreReader:
    """``StateReader`` without an index: no snapshot, every event read from the store."""

    def __init__(self, store: EventStore) -> None:
        self._store = store

    def lookup(self, stream_id: UUID, fingerprint: str, up_to: int | None, at: datetime | None) -> IndexAnswer:
        return IndexAnswer(0, None, None)

    def events(self, stream_id: UUID, after: int, up_to: int | None) -> list[RecordedEvent]:
        recorded = self._store.load_with_positions(stream_id, up_to=up_to, after=after)
        return [
            r if r.position is not None else replace(r, position=self._store.position_of(r.stream_id, r.version))
            for r in recorded
        ]


def _state_at(
    reader: StateReader,
    kind: SubjectKind,
    key: Sequence[str],
    stream_id: UUID,
    stream: StreamType[Any],
    at: datetime | None,
    version: int | None,
    events_from: int,
    events_limit: int | None,
) -> StateAt:
    snapshot_kind = BY_NAME[stream.name]
    fingerprint = snapshot_kind.fingerprint
    answer = reader.lookup(stream_id, fingerprint, version, at)
    base_version, base_state = 0, None
    if answer.snapshot is not None and answer.snapshot.fingerprint == fingerprint:
        base_version, base_state = answer.snapshot.version, snapshot_kind.decode(answer.snapshot.state)
    if version is not None:
        tail = reader.events(stream_id, base_version, version)
        reached = tail[-1].version if tail else base_version
        if reached < version:
            raise _not_found(kind, key, f"has no version {version} (it has {reached})")
        target = version
    elif at is not None:
        # The last event recorded at or before ``at``: the index answers for the versions it has seen, the log
        # for the rest. A version is a prefix of the stream: its state is one the stream was in.
        unindexed = reader.events(stream_id, answer.indexed, None)
        late = [r.version for r in unindexed if r.metadata.recorded_at <= at]
        target = max([*late, answer.at_version or 0])
        if target == 0:
            raise _not_found(kind, key, f"has no events recorded at or before {at.isoformat()}")
        if unindexed and unindexed[0].version == base_version + 1:
            tail = [r for r in unindexed if r.version <= target]
        else:
            tail = reader.events(stream_id, base_version, target)
    else:
        tail = reader.events(stream_id, base_version, None)
        target = tail[-1].version if tail else base_version
        if target == 0:
            raise _not_found(kind, key, "has no events recorded")
    if [r.version for r in tail] != list(range(base_version + 1, target + 1)):
        raise AssertionError(f"stream {stream_id}: versions {base_version + 1}..{target} are not all stored")
    state = stream.fold(base_state, [r.event for r in tail])
    assert isinstance(state, BaseModel)
    events, next_version = _events_page(reader, stream_id, tail, target, events_from, events_limit)
    return StateAt(
        kind=kind, stream_id=stream_id, version=target, state=state, events=events, next_event_version=next_version
    )


def _events_page(
    reader: StateReader,
    stream_id: UUID,
    tail: Sequence[RecordedEvent],
    target: int,
    first: int,
    limit: int | None,
) -> tuple[tuple[RecordedEvent, ...], int | None]:
    """The events of versions ``first``… (at most ``limit``) up to ``target``, and the version after them if any."""
    if first < 1:
        raise InvalidCommandError([FieldViolation("events_from", "versions start at 1")])
    last = target if limit is None else min(target, first + limit - 1)
    if first > last:
        return (), None
    if tail and tail[0].version <= first:
        page = tail[first - tail[0].version : last - tail[0].version + 1]
    else:
        page = reader.events(stream_id, first - 1, last)
    return tuple(page), (last + 1 if last < target else None)


def _not_found(kind: SubjectKind, key: Sequence[str], what: str) -> NotFoundError:
    named = dict(zip(_KEY_FIELDS[kind], key, strict=False))
    label = " ".join(key)
    return NotFoundError(f"{kind.value} {label} {what}", metadata={"kind": kind.value, **named})
