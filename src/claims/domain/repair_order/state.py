"""A repair order as its history says it is, and ``evolve``, which only copies facts from events."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from claims.domain.base import Frozen
from claims.domain.repair_order.events import (
    RepairOrderClaimLinked,
    RepairOrderClaimReleased,
    RepairOrderClosed,
    RepairOrderEvent,
    RepairOrderOpened,
    RepairPauseRecorded,
    RepairWorkRecorded,
)
from claims.domain.repair_order.values import DefectKey, RepairPause, ReplacedPart, StatutoryFacts
from claims.domain.values import Distance


class RepairOrderStatus(StrEnum):
    OPEN = "OPEN"
    CLOSED = "CLOSED"


class RepairWork(Frozen):
    """What was found and done, and the facts the statutes need (None when not recorded)."""

    cause: str
    correction: str
    defect: DefectKey
    parts_replaced: tuple[ReplacedPart, ...]
    statutory: StatutoryFacts | None = None


class LinkedClaim(Frozen):
    """A claim and the RO lines it states."""

    claim_id: UUID
    line_nos: tuple[int, ...]


class RepairOrder(Frozen):
    """The current state of one repair order."""

    repair_order_id: UUID
    dealer_id: str
    ro_number: str
    vin: str
    vehicle_id: UUID
    opened_at: datetime
    odometer_in: Distance
    complaint: str
    status: RepairOrderStatus = RepairOrderStatus.OPEN
    work: RepairWork | None = None
    pauses: tuple[RepairPause, ...] = ()
    closed_at: datetime | None = None
    odometer_out: Distance | None = None
    repair_hours: Decimal | None = None
    excluded_hours: Decimal | None = None
    days_out_of_service: int | None = None
    claims: tuple[LinkedClaim, ...] = ()

    @property
    def repair_date(self) -> date:
        """The date the repair was agreed, in the dealer's own offset."""
        return self.opened_at.date()

    @property
    def is_closed(self) -> bool:
        return self.status == RepairOrderStatus.CLOSED


def evolve(repair_order: RepairOrder | None, event: RepairOrderEvent) -> RepairOrder:
    """Apply one event. Never raises for business reasons, never reads a clock."""
    match event:
        case RepairOrderOpened():
            return RepairOrder(**event.model_dump())
        case RepairWorkRecorded():
            return _existing(repair_order).model_copy(update={"work": RepairWork(**event.model_dump())})
        case RepairPauseRecorded():
            current = _existing(repair_order)
            pause = RepairPause(**event.model_dump())
            pauses = tuple(sorted((*current.pauses, pause), key=lambda p: p.started_at))
            return current.model_copy(update={"pauses": pauses})
        case RepairOrderClaimLinked(claim_id=claim_id, line_nos=line_nos):
            current = _existing(repair_order)
            others = tuple(c for c in current.claims if c.claim_id != claim_id)
            return current.model_copy(update={"claims": (*others, LinkedClaim(claim_id=claim_id, line_nos=line_nos))})
        case RepairOrderClaimReleased(claim_id=claim_id):
            current = _existing(repair_order)
            return current.model_copy(update={"claims": tuple(c for c in current.claims if c.claim_id != claim_id)})
        case RepairOrderClosed():
            return _existing(repair_order).model_copy(update={"status": RepairOrderStatus.CLOSED, **dict(event)})


def _existing(repair_order: RepairOrder | None) -> RepairOrder:
    if repair_order is None:
        raise ValueError("history starts with an event other than RepairOrderOpened")
    return repair_order
