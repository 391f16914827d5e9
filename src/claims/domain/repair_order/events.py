"""What happened to a repair order. The close records the derived repair time and days out of service."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from claims.domain.base import DomainEvent, register_events
from claims.domain.repair_order.values import DefectKey, PauseKind, ReplacedPart, StatutoryFacts
from claims.domain.values import Distance


class RepairOrderOpened(DomainEvent):
    """A dealer opened a repair order for a vehicle."""

    TOPIC = "claims.repair_order.RepairOrderOpened"

    repair_order_id: UUID
    dealer_id: str
    ro_number: str
    vin: str
    vehicle_id: UUID
    opened_at: datetime
    odometer_in: Distance
    complaint: str


class RepairWorkRecorded(DomainEvent):
    """The technician's findings (cause, defect key) and the correction, with the parts replaced.

    ``statutory`` is absent from events stored before statutory facts were recorded: it defaults to None.
    """

    TOPIC = "claims.repair_order.RepairWorkRecorded"

    cause: str
    correction: str
    defect: DefectKey
    parts_replaced: tuple[ReplacedPart, ...]
    statutory: StatutoryFacts | None = None


class RepairPauseRecorded(DomainEvent):
    """An interval excluded from repair time."""

    TOPIC = "claims.repair_order.RepairPauseRecorded"

    kind: PauseKind
    started_at: datetime
    ended_at: datetime


class RepairOrderClosed(DomainEvent):
    """The repair was completed: repair time (hours, pauses excluded) and days out of service are fixed here."""

    TOPIC = "claims.repair_order.RepairOrderClosed"

    closed_at: datetime
    odometer_out: Distance
    repair_hours: Decimal
    excluded_hours: Decimal
    days_out_of_service: int


class RepairOrderClaimLinked(DomainEvent):
    """A claim states these lines of the repair order (replacing what it stated before)."""

    TOPIC = "claims.repair_order.RepairOrderClaimLinked"

    claim_id: UUID
    line_nos: tuple[int, ...]


class RepairOrderClaimReleased(DomainEvent):
    """A withdrawn claim let go of its lines."""

    TOPIC = "claims.repair_order.RepairOrderClaimReleased"

    claim_id: UUID


RepairOrderEvent = (
    RepairOrderOpened
    | RepairWorkRecorded
    | RepairPauseRecorded
    | RepairOrderClosed
    | RepairOrderClaimLinked
    | RepairOrderClaimReleased
)

register_events(
    RepairOrderOpened,
    RepairWorkRecorded,
    RepairPauseRecorded,
    RepairOrderClosed,
    RepairOrderClaimLinked,
    RepairOrderClaimReleased,
)
