"""What happened in a statutory case. Determinations carry the whole rule trace: replay never re-runs a rule."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from claims.domain.base import DomainEvent, register_events
from claims.domain.statutory.facts import RepairVisit
from claims.domain.statutory.pack import Remedy, RuleTrace
from claims.domain.statutory_case.values import CaseRemedy
from claims.domain.values import Distance, Money


class StatutoryCaseOpened(DomainEvent):
    """The vehicle's first statutory fact arrived: its case is opened."""

    TOPIC = "claims.statutory_case.StatutoryCaseOpened"

    case_id: UUID
    vehicle_id: UUID
    vin: str


class RepairVisitRecorded(DomainEvent):
    """A closed repair visit, as its repair order recorded it."""

    TOPIC = "claims.statutory_case.RepairVisitRecorded"

    visit: RepairVisit


class DirectNoticeRecorded(DomainEvent):
    """The buyer notified the manufacturer directly on ``notified_on``."""

    TOPIC = "claims.statutory_case.DirectNoticeRecorded"

    notified_on: date


class EligibilityDetermined(DomainEvent):
    """The pack ran on the facts as of ``as_of`` and the rules that fire changed: every outcome is recorded."""

    TOPIC = "claims.statutory_case.EligibilityDetermined"

    as_of: date
    pack_id: str
    pack_version: str
    trace: RuleTrace
    entitled: tuple[Remedy, ...]
    rules_fired: tuple[str, ...]


class CourtesyCarCompensationOwed(DomainEvent):
    """A single repair ran past the pack's threshold: ``days_owed`` × ``daily_rate`` is owed for it."""

    TOPIC = "claims.statutory_case.CourtesyCarCompensationOwed"

    visit_id: str
    days_owed: int
    daily_rate: Money
    amount: Money
    rule: str
    pack_id: str
    pack_version: str
    explanation: str


class RemedyRequested(DomainEvent):
    """The consumer asked for ``remedy`` relying on ``rule``; the pack's answer and completion deadlines if any."""

    TOPIC = "claims.statutory_case.RemedyRequested"

    remedy: CaseRemedy
    requested_at: datetime
    answer_due_on: date | None
    completion_due_on: date | None
    rule: str
    pack_id: str
    pack_version: str


class RemedyAnswered(DomainEvent):
    """The seller accepted or refused the request; ``late`` when answered after ``answer_due_on``."""

    TOPIC = "claims.statutory_case.RemedyAnswered"

    accepted: bool
    reason: str
    answered_at: datetime
    late: bool


class RemedyDelivered(DomainEvent):
    """The remedy was carried out; the usage deduction and the amount are computed and explained.

    ``amount`` is the price less the deduction for a refund or termination, the consumer's usage
    compensation for a replacement (CN Art. 27), the agreed reduction for a price reduction.
    ``periods_restart_on`` is set where the statutory periods restart (CN Art. 29, after a replacement).
    """

    TOPIC = "claims.statutory_case.RemedyDelivered"

    remedy: CaseRemedy
    delivered_on: date
    odometer: Distance
    replacement_vin: str | None
    price: Money
    usage_deduction: Money
    deduction_explanation: str
    amount: Money
    late: bool
    periods_restart_on: date | None
    pack_id: str
    pack_version: str


StatutoryCaseEvent = (
    StatutoryCaseOpened
    | RepairVisitRecorded
    | DirectNoticeRecorded
    | EligibilityDetermined
    | CourtesyCarCompensationOwed
    | RemedyRequested
    | RemedyAnswered
    | RemedyDelivered
)

register_events(
    StatutoryCaseOpened,
    RepairVisitRecorded,
    DirectNoticeRecorded,
    EligibilityDetermined,
    CourtesyCarCompensationOwed,
    RemedyRequested,
    RemedyAnswered,
    RemedyDelivered,
)
