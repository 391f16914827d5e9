"""A claim as its history says it is, and ``evolve``, which only copies facts from events."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from pydantic import Field, model_validator

from claims.domain.base import Frozen
from claims.domain.claim.events import (
    ChargebackIssued,
    ClaimAppealed,
    ClaimDecided,
    ClaimDeemedApproved,
    ClaimEvent,
    ClaimFiled,
    ClaimLineDecided,
    ClaimPaid,
    ClaimResubmitted,
    ClaimReturned,
    ClaimWithdrawn,
    DeductionApplied,
    LinePayment,
    PartInspected,
    PartReceived,
    PartReturnRequested,
)
from claims.domain.claim.lines import zero
from claims.domain.claim.submission import ClaimVersion
from claims.domain.claim.values import ClaimStatus, ClaimType, LineDecision
from claims.domain.claim.views import Chargeback, Deduction, LineDecisionRecord, LineView, line_view
from claims.domain.values import Money


class PartReturn(Frozen):
    """A part asked back, and how far its return has got."""

    line_no: int
    part_number: str
    requested_at: datetime
    received_at: datetime | None = None
    inspected_at: datetime | None = None
    inspected_by: str | None = None
    finding: str | None = None


class Payment(Frozen):
    credit_reference: str
    lines: tuple[LinePayment, ...]
    total: Money
    paid_at: datetime
    audit_ends_on: date


class Claim(Frozen):
    """The current state of one claim; ``versions`` keeps every submitted version, the last is current."""

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
    status: ClaimStatus
    versions: tuple[ClaimVersion, ...]
    decisions: tuple[LineDecisionRecord, ...] = ()
    appeal_by: date | None = None
    appealed: bool = False
    payment: Payment | None = None
    part_returns: tuple[PartReturn, ...] = ()
    # The line of each part return, in the same order: how ``evolve`` finds the returns an event is about
    # without walking them all (derived from ``part_returns``; never shown, stored or compared apart from it).
    part_return_lines: tuple[int, ...] = Field(default=(), exclude=True, repr=False)
    deductions: tuple[Deduction, ...] = ()
    chargebacks: tuple[Chargeback, ...] = ()
    deemed_approved_at: datetime | None = None  # when the decision clock ran out, if the law approved the claim

    @model_validator(mode="before")
    @classmethod
    def _index_part_returns(cls, data: Any) -> Any:
        """A claim read back (from JSON, or built with ``part_returns``) gets ``part_return_lines`` from them."""
        if isinstance(data, dict) and data.get("part_returns") and "part_return_lines" not in data:
            lines = tuple(p["line_no"] if isinstance(p, dict) else p.line_no for p in data["part_returns"])
            return {**data, "part_return_lines": lines}
        return data

    @property
    def current(self) -> ClaimVersion:
        return self.versions[-1]

    def decision(self, line_no: int) -> LineDecisionRecord | None:
        return next((d for d in self.decisions if d.line_no == line_no), None)

    def part_return(self, line_no: int) -> PartReturn | None:
        return next((p for p in self.part_returns if p.line_no == line_no), None)

    def lines(self) -> tuple[LineView, ...]:
        """Each line of the current version with its claimed, approved, adjusted, deducted and paid amounts."""
        paid = {p.line_no: p.amount for p in self.payment.lines} if self.payment else {}
        return tuple(
            line_view(line, self.decision(line.line_no), self.deductions, paid.get(line.line_no), self.chargebacks)
            for line in self.current.lines
        )

    def line(self, line_no: int) -> LineView | None:
        return next((v for v in self.lines() if v.line_no == line_no), None)


def evolve(claim: Claim | None, event: ClaimEvent) -> Claim:
    """Apply one event. Never raises for business reasons, never reads a clock."""
    match event:
        case ClaimFiled():
            fields = dict(event)
            version = fields.pop("version")
            return Claim(**fields, status=version.routed_to, versions=(version,))
        case ClaimResubmitted(version=version, appeal_by=appeal_by):
            versions = (*_existing(claim).versions, version)
            update = {"versions": versions, "status": version.routed_to, "decisions": (), "appeal_by": appeal_by}
            return _existing(claim).model_copy(update=update)
        case ClaimLineDecided():
            current = _existing(claim)
            record = LineDecisionRecord(**event.model_dump(exclude={"claimed"}))
            return current.model_copy(update={"decisions": (*current.decisions, record)})
        case ClaimDecided(outcome=outcome, appeal_by=appeal_by):
            return _existing(claim).model_copy(update={"status": outcome, "appeal_by": appeal_by})
        case ClaimReturned():
            return _existing(claim).model_copy(update={"status": ClaimStatus.RETURNED, "decisions": ()})
        case ClaimAppealed():
            return _existing(claim).model_copy(
                update={"status": ClaimStatus.UNDER_REVIEW, "appealed": True, "decisions": (), "appeal_by": None}
            )
        case ClaimDeemedApproved():
            return _deemed_approved(_existing(claim), event)
        case ClaimWithdrawn():
            return _existing(claim).model_copy(update={"status": ClaimStatus.WITHDRAWN})
        case ClaimPaid():
            return _existing(claim).model_copy(update={"status": ClaimStatus.PAID, "payment": Payment(**dict(event))})
        case PartReturnRequested() | PartReceived() | PartInspected():
            return _with_part_return(_existing(claim), event)
        case DeductionApplied() | ChargebackIssued():
            return _with_adjustment(_existing(claim), event)


def _deemed_approved(claim: Claim, event: ClaimDeemedApproved) -> Claim:
    decisions = tuple(
        LineDecisionRecord(
            line_no=line.line_no,
            decision=LineDecision.APPROVE,
            approved=line.approved,
            adjusted=zero(line.approved.currency),
            reason_code=event.reason_code,
            decided_by=event.commitment_code,
            decided_at=event.due_at,
        )
        for line in event.lines
    )
    update = {
        "status": ClaimStatus.APPROVED,
        "decisions": decisions,
        "appeal_by": None,
        "deemed_approved_at": event.due_at,
    }
    return claim.model_copy(update=update)


def _with_adjustment(claim: Claim, event: DeductionApplied | ChargebackIssued) -> Claim:
    match event:
        case DeductionApplied():
            deduction = Deduction(**event.model_dump(exclude={"line_deducted"}))
            return claim.model_copy(update={"deductions": (*claim.deductions, deduction)})
        case ChargebackIssued():
            chargeback = Chargeback(**event.model_dump(exclude={"line_charged_back"}))
            return claim.model_copy(update={"chargebacks": (*claim.chargebacks, chargeback)})


def _with_part_return(claim: Claim, event: PartReturnRequested | PartReceived | PartInspected) -> Claim:
    match event:
        case PartReturnRequested():
            update = {
                "part_returns": (*claim.part_returns, PartReturn(**dict(event))),
                "part_return_lines": (*claim.part_return_lines, event.line_no),
            }
            return claim.model_copy(update=update)
        case PartReceived(received_at=received_at):
            changes: dict[str, object] = {"received_at": received_at}
        case PartInspected():
            changes = event.model_dump(include={"inspected_at", "inspected_by", "finding"})
    # Only the returns of the event's line are copied; the others are found by ``tuple.index``, not visited.
    returns = list(claim.part_returns)
    for i in _indexes(claim.part_return_lines, event.line_no):
        returns[i] = returns[i].model_copy(update=changes)
    return claim.model_copy(update={"part_returns": tuple(returns)})


def _indexes(values: tuple[int, ...], wanted: int) -> list[int]:
    """Where ``wanted`` occurs in ``values`` (usually once: one part return per line)."""
    found: list[int] = []
    start = 0
    while True:
        try:
            start = values.index(wanted, start)
        except ValueError:
            return found
        found.append(start)
        start += 1


def _existing(claim: Claim | None) -> Claim:
    if claim is None:
        raise ValueError("history starts with an event other than ClaimFiled")
    return claim
