"""A pre-authorization as its history says it is, and ``evolve``."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from claims.domain.base import Frozen
from claims.domain.preauth.commands import PreAuthDecision
from claims.domain.preauth.events import (
    PreAuthEvent,
    PreAuthorizationApproved,
    PreAuthorizationConsumed,
    PreAuthorizationExpired,
    PreAuthorizationRejected,
    PreAuthorizationReleased,
    PreAuthorizationRequested,
)
from claims.domain.values import Money


class PreAuthStatus(StrEnum):
    REQUESTED = "REQUESTED"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    CONSUMED = "CONSUMED"
    EXPIRED = "EXPIRED"


class PreAuthorization(Frozen):
    """The current state of one pre-authorization."""

    preauth_id: UUID
    dealer_id: str
    preauth_number: str
    vin: str
    vehicle_id: UUID
    ro_number: str
    estimated_amount: Money
    labour_hours: Decimal
    main_part_count: int
    reason: str
    requested_at: datetime
    status: PreAuthStatus = PreAuthStatus.REQUESTED
    decision: PreAuthDecision | None = None
    approved_amount: Money | None = None
    expires_on: date | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None
    note: str | None = None
    consumed_by: UUID | None = None
    consumed_at: datetime | None = None

    @property
    def approved(self) -> bool:
        """Whether the desk approved it (it may since have been consumed or have lapsed)."""
        return self.decision == PreAuthDecision.APPROVE

    def covers(self, repair_date: date) -> bool:
        """Whether an approval covers a repair done on ``repair_date`` (the expiry day included)."""
        return self.approved and self.expires_on is not None and repair_date <= self.expires_on


def evolve(preauth: PreAuthorization | None, event: PreAuthEvent) -> PreAuthorization:
    """Apply one event. Never raises for business reasons, never reads a clock."""
    match event:
        case PreAuthorizationRequested():
            return PreAuthorization(**dict(event))
        case PreAuthorizationApproved():
            update = {"status": PreAuthStatus.APPROVED, "decision": PreAuthDecision.APPROVE, **dict(event)}
            return _existing(preauth).model_copy(update=update)
        case PreAuthorizationRejected():
            update = {"status": PreAuthStatus.REJECTED, "decision": PreAuthDecision.REJECT, **dict(event)}
            return _existing(preauth).model_copy(update=update)
        case PreAuthorizationConsumed(claim_id=claim_id, consumed_at=consumed_at):
            update = {"status": PreAuthStatus.CONSUMED, "consumed_by": claim_id, "consumed_at": consumed_at}
            return _existing(preauth).model_copy(update=update)
        case PreAuthorizationReleased():
            update = {"status": PreAuthStatus.APPROVED, "consumed_by": None, "consumed_at": None}
            return _existing(preauth).model_copy(update=update)
        case PreAuthorizationExpired():
            return _existing(preauth).model_copy(update={"status": PreAuthStatus.EXPIRED})


def _existing(preauth: PreAuthorization | None) -> PreAuthorization:
    if preauth is None:
        raise ValueError("history starts with an event other than PreAuthorizationRequested")
    return preauth
