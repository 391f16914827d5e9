"""What happened to a claim. Events carry results: priced lines, totals, rule traces, amounts, deadlines."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from claims.domain.base import DomainEvent, Frozen, register_events
from claims.domain.claim.submission import ClaimVersion
from claims.domain.claim.values import ClaimStatus, ClaimType, DeductionReason, LineDecision
from claims.domain.values import Money


class ClaimFiled(DomainEvent):
    """A claim was received; its first version records the automatic checks and where they sent it."""

    TOPIC = "claims.claim.ClaimFiled"

    claim_id: UUID
    dealer_id: str
    claim_number: str
    claim_type: ClaimType
    ro_number: str
    repair_order_id: UUID
    vin: str
    vehicle_id: UUID
    currency: str
    campaign_code: str | None
    jurisdiction: str
    version: ClaimVersion
    appeal_by: date | None


class ClaimResubmitted(DomainEvent):
    """A corrected version was received and checked again."""

    TOPIC = "claims.claim.ClaimResubmitted"

    version: ClaimVersion
    appeal_by: date | None


class ClaimLineDecided(DomainEvent):
    """The desk decided a line: ``approved`` is what it allows, ``adjusted`` how much an adjustment took off."""

    TOPIC = "claims.claim.ClaimLineDecided"

    line_no: int
    decision: LineDecision
    claimed: Money
    approved: Money
    adjusted: Money
    reason_code: str | None
    decided_by: str
    decided_at: datetime


class ClaimDecided(DomainEvent):
    """Every line is decided: the claim is APPROVED, PARTIALLY_APPROVED or REJECTED."""

    TOPIC = "claims.claim.ClaimDecided"

    outcome: ClaimStatus
    claimed_total: Money
    approved_total: Money
    decided_at: datetime
    appeal_by: date | None


class ClaimReturned(DomainEvent):
    """The desk sent the claim back for correction."""

    TOPIC = "claims.claim.ClaimReturned"

    reasons: tuple[str, ...]
    returned_by: str
    returned_at: datetime


class ClaimAppealed(DomainEvent):
    """The dealer appealed a rejection; the claim is under review again with its lines undecided."""

    TOPIC = "claims.claim.ClaimAppealed"

    grounds: str
    appealed_at: datetime


class ClaimWithdrawn(DomainEvent):
    """The dealer withdrew the claim."""

    TOPIC = "claims.claim.ClaimWithdrawn"

    reason: str | None
    previous_status: ClaimStatus
    withdrawn_at: datetime


class LinePayment(Frozen):
    """What was paid on one line."""

    line_no: int
    amount: Money


class ClaimPaid(DomainEvent):
    """The payable amounts (approved less deductions) were credited; the audit window starts."""

    TOPIC = "claims.claim.ClaimPaid"

    credit_reference: str
    lines: tuple[LinePayment, ...]
    total: Money
    paid_at: datetime
    audit_ends_on: date


class PartReturnRequested(DomainEvent):
    """The dealer was asked to send back the part of a line."""

    TOPIC = "claims.claim.PartReturnRequested"

    line_no: int
    part_number: str
    requested_at: datetime


class PartReceived(DomainEvent):
    """A returned part arrived."""

    TOPIC = "claims.claim.PartReceived"

    line_no: int
    received_at: datetime


class PartInspected(DomainEvent):
    """A returned part was inspected."""

    TOPIC = "claims.claim.PartInspected"

    line_no: int
    finding: str
    inspected_by: str
    inspected_at: datetime


class DeductionApplied(DomainEvent):
    """An amount was deducted from a line; ``line_deducted`` is the line's deductions so far."""

    TOPIC = "claims.claim.DeductionApplied"

    line_no: int
    amount: Money
    reason_code: DeductionReason
    note: str | None
    line_deducted: Money
    applied_at: datetime


class ChargebackIssued(DomainEvent):
    """An audit took back an amount paid on a line; ``line_charged_back`` is the line's chargebacks so far."""

    TOPIC = "claims.claim.ChargebackIssued"

    line_no: int
    amount: Money
    reason: str
    line_charged_back: Money
    issued_at: datetime


class LineApproval(Frozen):
    """What a line is approved at."""

    line_no: int
    approved: Money


class ClaimDeemedApproved(DomainEvent):
    """The decision clock ran out undecided: every line of the current version is approved as claimed.

    The claim counts as approved from ``due_at``, when the clock of ``commitment_code`` (under ``statute``)
    ran out, so the payment clock starts there; ``deemed_at`` is when the engine recorded it.
    """

    TOPIC = "claims.claim.ClaimDeemedApproved"

    commitment_code: str
    statute: str
    reason_code: str
    lines: tuple[LineApproval, ...]
    claimed_total: Money
    approved_total: Money
    due_at: datetime
    deemed_at: datetime


ClaimEvent = (
    ClaimFiled
    | ClaimResubmitted
    | ClaimLineDecided
    | ClaimDecided
    | ClaimReturned
    | ClaimAppealed
    | ClaimWithdrawn
    | ClaimPaid
    | PartReturnRequested
    | PartReceived
    | PartInspected
    | DeductionApplied
    | ChargebackIssued
    | ClaimDeemedApproved
)

register_events(
    ClaimFiled,
    ClaimResubmitted,
    ClaimLineDecided,
    ClaimDecided,
    ClaimReturned,
    ClaimAppealed,
    ClaimWithdrawn,
    ClaimPaid,
    PartReturnRequested,
    PartReceived,
    PartInspected,
    DeductionApplied,
    ChargebackIssued,
    ClaimDeemedApproved,
)
