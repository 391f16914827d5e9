"""What happened to a commitment's clock: it ran out, with what that owes."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from claims.domain.base import DomainEvent, register_events
from claims.domain.values import Money


class CommitmentBreached(DomainEvent):
    """The clock ran past ``due_at``: ``consequence`` is the deemed outcome, or COMPENSATION of ``amount``.

    ``breached_at`` is when the engine established it (the timer's tick).
    """

    TOPIC = "claims.commitment.CommitmentBreached"

    commitment_code: str
    statute: str
    subject_id: UUID
    subject_kind: str
    vehicle_id: UUID | None
    dealer_id: str | None
    started_at: datetime
    due_at: datetime
    breached_at: datetime
    consequence: str
    amount: Money | None


CommitmentEvent = CommitmentBreached

register_events(CommitmentBreached)
