"""GetStateAt: request → subject and moment → state as of it → JSON state and the events that made it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from claims.adapters.grpc.identity import current_principal
from claims.adapters.grpc.mapping import timestamp_to_proto, timestamp_value
from claims.adapters.grpc.paging import seal, unseal
from claims.api.v1 import audit_pb2 as pb
from claims.application.audit_feed import payload_of
from claims.application.messages import RecordedEvent
from claims.application.ports import EventStore
from claims.application.snapshots import StateIndex
from claims.application.state_at import StateAt, SubjectKind, state_at, subject_stream
from claims.domain.errors import FieldViolation, InvalidCommandError


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def subject_of(request: pb.GetStateAtRequest) -> tuple[SubjectKind, tuple[str, ...]]:
    """The subject's kind and natural key (INVALID_ARGUMENT when none is set)."""
    match request.WhichOneof("subject"):
        case "vin":
            return SubjectKind.VEHICLE, (request.vin,)
        case "repair_order":
            return SubjectKind.REPAIR_ORDER, (request.repair_order.dealer_id, request.repair_order.ro_number)
        case "claim":
            return SubjectKind.CLAIM, (request.claim.dealer_id, request.claim.claim_number)
        case "pre_authorization":
            ref = request.pre_authorization
            return SubjectKind.PREAUTH, (ref.dealer_id, ref.preauth_number)
        case "case_vin":
            return SubjectKind.STATUTORY_CASE, (request.case_vin,)
        case "contract":
            return SubjectKind.CONTRACT, (request.contract.insurer_id, request.contract.contract_number)
        case _:
            why = "name a vehicle, repair order, claim, pre-authorization, statutory case or contract"
            raise InvalidCommandError([FieldViolation("subject", why)])


def as_of_of(request: pb.GetStateAtRequest) -> tuple[datetime | None, int | None]:
    """The recorded moment or the version asked for (both None: as it stands now)."""
    match request.WhichOneof("as_of"):
        case "recorded_at":
            moment = timestamp_value(request.recorded_at, True)
            if not isinstance(moment, datetime):
                raise InvalidCommandError([FieldViolation("recorded_at", f"a valid timestamp, not {moment}")])
            return moment, None
        case "version":
            return None, request.version
        case _:
            return None, None


def event_message(recorded: RecordedEvent, stream_id: str | None = None) -> pb.AuditEvent:
    meta = recorded.metadata
    return pb.AuditEvent(
        position=recorded.position or 0,
        stream_id=stream_id or str(recorded.stream_id),
        version=recorded.version,
        topic=recorded.topic,
        recorded_at=timestamp_to_proto(meta.recorded_at),
        actor=meta.actor,
        request_id=meta.request_id,
        correlation_id=meta.correlation_id,
        causation_id=meta.causation_id,
        payload_json=_json(payload_of(recorded)),
    )


@dataclass(frozen=True)
class EventsPage:
    """Where a page of the events that made a state starts: the state's version and the first event's."""

    kind: str
    stream_id: str
    version: int
    first: int

    def token(self) -> str:
        return seal({"k": self.kind, "s": self.stream_id, "v": self.version, "f": self.first})

    @classmethod
    def parse(cls, token: str) -> EventsPage:
        try:
            fields = unseal(token)
            page = cls(str(fields["k"]), str(UUID(str(fields["s"]))), int(fields["v"]), int(fields["f"]))  # type: ignore[call-overload]
        except (ValueError, KeyError, TypeError):
            raise InvalidCommandError([FieldViolation("events_page_token", "not a token this server issued")]) from None
        if not 1 < page.first <= page.version:
            raise InvalidCommandError([FieldViolation("events_page_token", "not a token this server issued")])
        return page


def state_at_to_proto(found: StateAt) -> pb.GetStateAtResponse:
    following, stream_id = "", str(found.stream_id)
    if found.next_event_version is not None:
        page = EventsPage(found.kind.value, str(found.stream_id), found.version, found.next_event_version)
        following = page.token()
    return pb.GetStateAtResponse(
        kind=found.kind.value,
        stream_id=stream_id,
        version=found.version,
        state_json=_json(found.state_json()),
        events=[event_message(e, stream_id) for e in found.events],
        next_events_page_token=following,
    )


def get_state_at(
    store: EventStore, request: pb.GetStateAtRequest, index: StateIndex | None = None
) -> pb.GetStateAtResponse:
    """The whole call: parse, replay, map (domain errors become gRPC statuses in the interceptor)."""
    kind, key = subject_of(request)
    at, version = as_of_of(request)
    if request.events_page_size < 0:
        raise InvalidCommandError([FieldViolation("events_page_size", "0 (every event) or more")])
    limit = request.events_page_size or None
    first = 1
    if request.events_page_token:
        page = EventsPage.parse(request.events_page_token)
        if page.kind != kind.value or page.stream_id != str(subject_stream(kind, key)[0]):
            why = "a token of another subject: ask about the same subject as the response that gave it"
            raise InvalidCommandError([FieldViolation("events_page_token", why)])
        at, version, first = None, page.version, page.first
    found = state_at(
        store, kind, key, at, version, current_principal(), index=index, events_from=first, events_limit=limit
    )
    return state_at_to_proto(found)
