"""The stored log for auditors: events in global order after a position, filtered, a page at a time.

Every filter depends on the event alone (its stream, topic and recording time), so the feed after any
position is exactly the tail of the feed from zero: resuming after the last position received repeats
nothing and skips nothing. A page is read only when the one before has been handed on, so a reader that
takes its events slowly holds at most one page in memory.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from claims.application import access
from claims.application import app as _app  # noqa: F401 - imports (so registers) every event class by topic
from claims.application.messages import RecordedEvent
from claims.application.ports import EventStore
from claims.application.principal import Principal, Role
from claims.application.streams import CLAIMS, VEHICLES
from claims.application.widening import Widening
from claims.domain.base import EVENT_TYPES
from claims.domain.errors import FieldViolation, InvalidCommandError, NotFoundError, PermissionDeniedError
from claims.domain.ids import claim_id_for, statutory_case_id_for, vehicle_id_for

PAGE_SIZE = 500
# The first page is small: most streams are cancelled or filtered after a few events (see widening).
FIRST_PAGE = 16


@dataclass(frozen=True)
class AuditFilter:
    """Which events to pass: every set criterion must hold. ``recorded_to`` is exclusive."""

    stream_ids: frozenset[UUID] | None = None
    topics: frozenset[str] = frozenset()
    recorded_from: datetime | None = None
    recorded_to: datetime | None = None

    def passes(self, recorded: RecordedEvent) -> bool:
        at = recorded.metadata.recorded_at
        return (
            (self.stream_ids is None or recorded.stream_id in self.stream_ids)
            and (not self.topics or recorded.topic in self.topics)
            and (self.recorded_from is None or at >= self.recorded_from)
            and (self.recorded_to is None or at < self.recorded_to)
        )


def parse_filter(
    *,
    stream_id: str = "",
    vin: str = "",
    claim: tuple[str, str] | None = None,
    event_types: Sequence[str] = (),
    recorded_from: datetime | str | None = None,
    recorded_to: datetime | str | None = None,
    prefix: str = "filter.",
) -> AuditFilter:
    """Check a filter as asked for (a moment given as text is why it could not be read): InvalidCommandError
    naming every bad field, by ``prefix`` + the request's field name. ``claim`` is (dealer id, claim number)."""
    bad: list[FieldViolation] = []
    stream_ids: frozenset[UUID] | None = None
    if stream_id:
        try:
            stream_ids = frozenset({UUID(stream_id)})
        except ValueError:
            bad.append(FieldViolation(f"{prefix}stream_id", f"{stream_id!r} is not a UUID"))
    elif vin:
        vehicle = vehicle_id_for(vin)
        stream_ids = frozenset({vehicle, statutory_case_id_for(vehicle)})
    elif claim is not None:
        dealer_id, claim_number = claim
        for name, value in (("dealer_id", dealer_id), ("claim_number", claim_number)):
            if not value:
                bad.append(FieldViolation(f"{prefix}claim.{name}", "required to name a claim"))
        stream_ids = frozenset({claim_id_for(dealer_id, claim_number)})
    if len(event_types) > len(EVENT_TYPES):  # more than every topic there is: refused by count, unread
        limit = f"at most {len(EVENT_TYPES)} items (every topic stored), got {len(event_types)}"
        bad.append(FieldViolation(f"{prefix}event_types", limit))
    else:
        for topic in dict.fromkeys(event_types):  # each unknown topic named once
            if topic not in EVENT_TYPES:
                bad.append(FieldViolation(f"{prefix}event_types", f"no event is stored under topic {topic[:200]!r}"))
    moments: list[datetime | None] = []
    for bound, moment in (("recorded_from", recorded_from), ("recorded_to", recorded_to)):
        if isinstance(moment, str):
            bad.append(FieldViolation(f"{prefix}{bound}", moment))
            moment = None
        moments.append(moment)
    start, end = moments
    if start is not None and end is not None and end <= start:
        bad.append(FieldViolation(f"{prefix}recorded_to", "must be after recorded_from"))
    if bad:
        raise InvalidCommandError(bad)
    return AuditFilter(stream_ids, frozenset(event_types), start, end)


def require_visible_subject(
    store: EventStore, principal: Principal, *, vin: str = "", claim: tuple[str, str] | None = None
) -> None:
    """Who may read which part of the log: an auditor all of it; anyone else only the events of one claim or
    one vehicle (with its statutory case) it may see (claims.application.access). A claim or vehicle that does
    not exist, or is another tenant's, is NOT_FOUND alike; the whole log or a stream named by id is
    PERMISSION_DENIED."""
    if access.sees_everything(principal):
        return
    if claim is not None:
        dealer_id, claim_number = claim
        state = CLAIMS.replay(store, claim_id_for(dealer_id, claim_number))[0]
        vehicle = None
        if state is not None and principal.role is not Role.DEALER:
            vehicle = VEHICLES.replay(store, vehicle_id_for(state.vin))[0]
        if state is None or not access.sees_dealer_resource(principal, state.dealer_id, vehicle):
            raise NotFoundError(
                f"dealer {dealer_id} has no claim {claim_number}",
                metadata={"dealer_id": dealer_id, "claim_number": claim_number},
            )
        return
    if vin:
        found = VEHICLES.replay(store, vehicle_id_for(vin))[0]
        if found is None or not access.sees_vehicle(principal, found):
            raise NotFoundError(f"no vehicle or product {vin} is registered", metadata={"identifier": vin})
        return
    raise PermissionDeniedError(
        f"{principal.name} may read the events of a claim or a vehicle it may see (filter.claim or filter.vin);"
        " the whole log, or a stream named by id, is for auditors",
        metadata={"principal": principal.name},
    )


class AuditFeed:
    """Reads the log after ``position`` a page at a time and passes on the events the filter lets through."""

    def __init__(
        self, store: EventStore, after: int, audit_filter: AuditFilter | None = None, page_size: int = PAGE_SIZE
    ) -> None:
        if after < 0:
            raise InvalidCommandError([FieldViolation("after_position", "must not be negative")])
        if after > (head := store.head_position()):
            raise InvalidCommandError([FieldViolation("after_position", f"beyond the newest position {head}")])
        self._store, self._filter = store, audit_filter or AuditFilter()
        self._pages = Widening(min(FIRST_PAGE, page_size), page_size)
        self.position = after

    def poll(self) -> list[RecordedEvent]:
        """The matching events among the next page of the log; ``position`` moves past the whole page. Pages
        widen from ``FIRST_PAGE`` to the feed's page size."""
        scan = self._store.scan(self.position, self._pages.take(), self._filter.topics)
        self.position = scan.end
        return [recorded for recorded in scan.events if self._filter.passes(recorded)]

    def until(self, head: int) -> Iterator[RecordedEvent]:
        """Every matching event up to ``head``, one page read at a time, as the caller asks for them."""
        while self.position < head:
            before = self.position
            yield from (e for e in self.poll() if e.position is not None and e.position <= head)
            if self.position == before:
                return


def payload_of(recorded: RecordedEvent) -> dict[str, Any]:
    """The payload as stored (after upcasting): the event's JSON form."""
    return recorded.event.model_dump(mode="json")
