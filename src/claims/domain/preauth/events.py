"""What happened to a pre-authorization."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from claims.domain.base import DomainEvent, register_events
from claims.domain.values import Money


class PreAuthorizationRequested(DomainEvent):
    """A dealer asked leave for a repair."""

    TOPIC = "claims.preauth.PreAuthorizationRequested"

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


class PreAuthorizationApproved(DomainEvent):
    """The desk approved the repair up to ``approved_amount`` for repairs done by ``expires_on``."""

    TOPIC = "claims.preauth.PreAuthorizationApproved"

    approved_amount: Money
    expires_on: date
    decided_by: str
    decided_at: datetime
    note: str | None


class PreAuthorizationRejected(DomainEvent):
    """The desk refused the repair."""

    TOPIC = "claims.preauth.PreAuthorizationRejected"

    decided_by: str
    decided_at: datetime
    note: str


class PreAuthorizationConsumed(DomainEvent):
    """A claim used the approval."""

    TOPIC = "claims.preauth.PreAuthorizationConsumed"

    claim_id: UUID
    repair_date: date
    consumed_at: datetime


class PreAuthorizationReleased(DomainEvent):
    """The claim that used the approval was withdrawn; the approval can be used again."""

    TOPIC = "claims.preauth.PreAuthorizationReleased"

    claim_id: UUID
    released_at: datetime


class PreAuthorizationExpired(DomainEvent):
    """The approval lapsed unused after ``expires_on``."""

    TOPIC = "claims.preauth.PreAuthorizationExpired"

    expires_on: date
    expired_at: datetime


PreAuthEvent = (
    PreAuthorizationRequested
    | PreAuthorizationApproved
    | PreAuthorizationRejected
    | PreAuthorizationConsumed
    | PreAuthorizationReleased
    | PreAuthorizationExpired
)

register_events(
    PreAuthorizationRequested,
    PreAuthorizationApproved,
    PreAuthorizationRejected,
    PreAuthorizationConsumed,
    PreAuthorizationReleased,
    PreAuthorizationExpired,
)
