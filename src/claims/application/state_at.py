"""State as of any moment: one stream replayed up to a version, or up to a recorded time, with its events."""

from __future__ import annotations

from collections.abc import Sequence
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
    """A stream's state as its first ``version`` events made it, and those events (each with its position)."""

    kind: SubjectKind
    stream_id: UUID
    version: int
    state: BaseModel
    events: tuple[RecordedEvent, ...]

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
) -> StateAt:
    """``kind``'s state up to ``version``, or up to its last event recorded at or before ``at``; the latest when
    neither is given. NOT_FOUND when the stream had no events by then (or never reached ``version``), and, alike,
    when ``principal`` may not see the subject today (claims.application.access)."""
    if at is not None and version is not None:
        raise InvalidCommandError([FieldViolation("as_of", "a recorded time or a version, not both")])
    if version is not None and version < 1:
        raise InvalidCommandError([FieldViolation("version", "versions start at 1")])
    if at is not None and at.tzinfo is None:
        raise InvalidCommandError([FieldViolation("recorded_at", "a moment with its UTC offset")])
    stream_id, stream = subject_stream(kind, key)
    # As of a version, only the events up to it are read (a stream short of it is read whole, all it has).
    recorded = store.load_with_positions(stream_id, up_to=version)
    if recorded and not _visible(store, principal, kind, key, stream.fold(None, [r.event for r in recorded])):
        recorded = []  # answered exactly as a subject with no events
    if version is not None:
        chosen = [r for r in recorded if r.version <= version]
        if not recorded or recorded[-1].version < version:
            raise _not_found(kind, key, f"has no version {version} (it has {len(recorded)})")
    elif at is not None:
        # A filter, not a bisection: recorded times need not rise with versions (clocks of several writers).
        chosen = [r for r in recorded if r.metadata.recorded_at <= at]
    else:
        chosen = list(recorded)
    if not chosen:
        when = f"recorded at or before {at.isoformat()}" if at is not None else "recorded"
        raise _not_found(kind, key, f"has no events {when}")
    state = stream.fold(None, [r.event for r in chosen])
    assert isinstance(state, BaseModel)
    if isinstance(state, Vehicle):  # other insurers' contracts on it are theirs
        state = access.redacted_vehicle(principal, state)
    events = tuple(
        r if r.position is not None else replace(r, position=store.position_of(r.stream_id, r.version))
        for r in chosen
        if access.sees_event(principal, r.event)
    )
    return StateAt(kind=kind, stream_id=stream_id, version=chosen[-1].version, state=state, events=events)


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


def _not_found(kind: SubjectKind, key: Sequence[str], what: str) -> NotFoundError:
    named = dict(zip(_KEY_FIELDS[kind], key, strict=False))
    label = " ".join(key)
    return NotFoundError(f"{kind.value} {label} {what}", metadata={"kind": kind.value, **named})
