"""A statutory case as its history says it is, and ``evolve``, which only copies facts from events."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from claims.domain.base import Frozen
from claims.domain.statutory.facts import RepairVisit
from claims.domain.statutory.pack import Remedy, RuleTrace
from claims.domain.statutory_case.events import (
    CourtesyCarCompensationOwed,
    DirectNoticeRecorded,
    EligibilityDetermined,
    RemedyAnswered,
    RemedyDelivered,
    RemedyRequested,
    RepairVisitRecorded,
    StatutoryCaseEvent,
    StatutoryCaseOpened,
)
from claims.domain.statutory_case.values import CaseRemedy, RemedyStatus
from claims.domain.values import Money


class Determination(Frozen):
    """The last recorded eligibility: the pack, every outcome, the remedies and rules that fired."""

    as_of: date
    pack_id: str
    pack_version: str
    trace: RuleTrace
    entitled: tuple[Remedy, ...]
    rules_fired: tuple[str, ...]


class Compensation(Frozen):
    """Courtesy-car compensation owed for one visit."""

    visit_id: str
    days_owed: int
    daily_rate: Money
    amount: Money
    rule: str


class RemedyRecord(Frozen):
    """The latest remedy request and how far it got."""

    remedy: CaseRemedy
    status: RemedyStatus
    requested_at: datetime
    answer_due_on: date | None
    completion_due_on: date | None
    rule: str
    pack_id: str
    pack_version: str
    accepted: bool | None = None
    reason: str | None = None
    answered_at: datetime | None = None
    answered_late: bool | None = None
    delivered_on: date | None = None
    amount: Money | None = None
    price: Money | None = None
    usage_deduction: Money | None = None
    deduction_explanation: str | None = None


class StatutoryCase(Frozen):
    """The current state of one vehicle's statutory case."""

    case_id: UUID
    vehicle_id: UUID
    vin: str
    visits: tuple[RepairVisit, ...] = ()
    notices: tuple[date, ...] = ()
    determination: Determination | None = None
    compensations: tuple[Compensation, ...] = ()
    remedy: RemedyRecord | None = None
    periods_restart_on: date | None = None

    def visit(self, visit_id: str) -> RepairVisit | None:
        return next((v for v in self.visits if v.visit_id == visit_id), None)

    def compensation(self, visit_id: str) -> Compensation | None:
        return next((c for c in self.compensations if c.visit_id == visit_id), None)

    @property
    def rules_fired(self) -> frozenset[str]:
        """The rules the last determination recorded as fired (none before the first)."""
        return frozenset(self.determination.rules_fired if self.determination else ())


def evolve(case: StatutoryCase | None, event: StatutoryCaseEvent) -> StatutoryCase:
    """Apply one event. Never raises for business reasons, never reads a clock, never runs a rule."""
    match event:
        case StatutoryCaseOpened():
            return StatutoryCase(**dict(event))
        case RepairVisitRecorded(visit=visit):
            current = _existing(case)
            visits = tuple(sorted((*current.visits, visit), key=lambda v: v.opened_at))
            return current.model_copy(update={"visits": visits})
        case DirectNoticeRecorded(notified_on=notified_on):
            current = _existing(case)
            return current.model_copy(update={"notices": tuple(sorted((*current.notices, notified_on)))})
        case EligibilityDetermined():
            return _existing(case).model_copy(update={"determination": Determination(**dict(event))})
        case CourtesyCarCompensationOwed():
            current = _existing(case)
            owed = Compensation(**{name: getattr(event, name) for name in Compensation.model_fields})
            return current.model_copy(update={"compensations": (*current.compensations, owed)})
        case RemedyRequested():
            record = RemedyRecord(**dict(event), status=RemedyStatus.REQUESTED)
            return _existing(case).model_copy(update={"remedy": record})
        case RemedyAnswered():
            return _with_remedy(case, _answered(event))
        case RemedyDelivered():
            current = _with_remedy(case, _delivered(event))
            restart = event.periods_restart_on or current.periods_restart_on
            return current.model_copy(update={"periods_restart_on": restart})


def _answered(event: RemedyAnswered) -> dict[str, object]:
    status = RemedyStatus.ANSWERED if event.accepted else RemedyStatus.REFUSED
    return {
        "status": status,
        "accepted": event.accepted,
        "reason": event.reason,
        "answered_at": event.answered_at,
        "answered_late": event.late,
    }


def _delivered(event: RemedyDelivered) -> dict[str, object]:
    return {
        "status": RemedyStatus.DELIVERED,
        "delivered_on": event.delivered_on,
        "amount": event.amount,
        "price": event.price,
        "usage_deduction": event.usage_deduction,
        "deduction_explanation": event.deduction_explanation,
    }


def _with_remedy(case: StatutoryCase | None, update: dict[str, object]) -> StatutoryCase:
    current = _existing(case)
    if current.remedy is None:
        raise ValueError("history answers or delivers a remedy that was never requested")
    return current.model_copy(update={"remedy": current.remedy.model_copy(update=update)})


def _existing(case: StatutoryCase | None) -> StatutoryCase:
    if case is None:
        raise ValueError("history starts with an event other than StatutoryCaseOpened")
    return case
