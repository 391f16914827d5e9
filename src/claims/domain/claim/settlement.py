"""After the decision: payment, returned parts and their deductions, chargebacks within the audit window."""

from __future__ import annotations

from claims.domain.claim.commands import (
    ApplyDeduction,
    ChargeBack,
    PostPayment,
    RecordPartInspection,
    RecordPartReceived,
    RequestPartReturn,
)
from claims.domain.claim.context import ClaimContext
from claims.domain.claim.events import (
    ChargebackIssued,
    ClaimEvent,
    ClaimPaid,
    DeductionApplied,
    LinePayment,
    PartInspected,
    PartReceived,
    PartReturnRequested,
)
from claims.domain.claim.guards import known_line, known_view, refuse, require_currency, require_status
from claims.domain.claim.lines import PartLine, money, total
from claims.domain.claim.state import Claim, PartReturn
from claims.domain.claim.values import ClaimStatus, DeductionReason
from claims.domain.errors import FieldViolation, InvalidCommandError
from claims.domain.values import Money

DECIDED = (ClaimStatus.APPROVED, ClaimStatus.PARTIALLY_APPROVED)
RETURNABLE = (ClaimStatus.UNDER_REVIEW, *DECIDED, ClaimStatus.PAID)


def pay(claim: Claim, command: PostPayment, ctx: ClaimContext) -> list[ClaimEvent]:
    if claim.payment is not None and claim.payment.credit_reference == command.credit_reference:
        return []
    require_status(claim, DECIDED, "CLAIM_NOT_APPROVED", "paid")
    lines = tuple(LinePayment(line_no=view.line_no, amount=view.payable) for view in claim.lines())
    return [
        ClaimPaid(
            credit_reference=command.credit_reference,
            lines=lines,
            total=total((p.amount for p in lines), claim.currency),
            paid_at=ctx.now,
            audit_ends_on=ctx.policy.audit_ends_on(ctx.now.date()),
        )
    ]


def request_part_return(claim: Claim, command: RequestPartReturn, ctx: ClaimContext) -> list[ClaimEvent]:
    require_status(claim, RETURNABLE, "CLAIM_NOT_OPEN", "asked for parts")
    item = known_line(claim, command.line_no).item
    if not isinstance(item, PartLine):
        raise InvalidCommandError(
            [FieldViolation("line_no", f"line {command.line_no} is a {item.kind} line, not a part")]
        )
    if claim.part_return(command.line_no) is not None:
        return []
    return [PartReturnRequested(line_no=command.line_no, part_number=item.part_number, requested_at=ctx.now)]


def _requested(claim: Claim, line_no: int) -> PartReturn:
    part_return = claim.part_return(line_no)
    if part_return is None:
        raise refuse(
            claim, "PART_RETURN_NOT_REQUESTED", f"the part of line {line_no} was not asked back", line_no=str(line_no)
        )
    return part_return


def receive_part(claim: Claim, command: RecordPartReceived, ctx: ClaimContext) -> list[ClaimEvent]:
    if _requested(claim, command.line_no).received_at is not None:
        return []
    return [PartReceived(line_no=command.line_no, received_at=ctx.now)]


def inspect_part(claim: Claim, command: RecordPartInspection, ctx: ClaimContext) -> list[ClaimEvent]:
    part_return = _requested(claim, command.line_no)
    if part_return.received_at is None:
        raise refuse(claim, "PART_NOT_RECEIVED", f"the part of line {command.line_no} has not arrived")
    if part_return.inspected_at is not None:
        if part_return.finding == command.finding:
            return []
        raise refuse(claim, "PART_ALREADY_INSPECTED", f"the part of line {command.line_no} was inspected already")
    return [
        PartInspected(
            line_no=command.line_no, finding=command.finding, inspected_by=command.inspected_by, inspected_at=ctx.now
        )
    ]


def deduct(claim: Claim, command: ApplyDeduction, ctx: ClaimContext) -> list[ClaimEvent]:
    require_status(claim, (*DECIDED, ClaimStatus.PAID), "CLAIM_NOT_APPROVED", "given deductions")
    view = known_view(claim, command.line_no)
    require_currency(claim, command.amount, "amount")
    part_return = claim.part_return(command.line_no)
    if command.reason_code == DeductionReason.PART_NOT_RETURNED and part_return and part_return.received_at:
        raise refuse(claim, "PART_RECEIVED", f"the part of line {command.line_no} was received")
    left = money(view.approved.amount - view.deducted.amount, claim.currency)
    _at_most(command.amount, left, "of the line's approved amount is left to deduct")
    return [
        DeductionApplied(
            **command.model_dump(include={"line_no", "reason_code", "note"}),
            amount=command.amount,
            line_deducted=total((view.deducted, command.amount), claim.currency),
            applied_at=ctx.now,
        )
    ]


def charge_back(claim: Claim, command: ChargeBack, ctx: ClaimContext) -> list[ClaimEvent]:
    if claim.status != ClaimStatus.PAID or claim.payment is None:
        raise refuse(
            claim, "CLAIM_NOT_PAID", f"only a paid claim can be charged back; this one is {claim.status.value}"
        )
    ends_on = claim.payment.audit_ends_on
    if ctx.now.date() > ends_on:
        message = f"the audit window closed on {ends_on}"
        raise refuse(claim, "AUDIT_WINDOW_CLOSED", message, audit_ends_on=ends_on.isoformat())
    view = known_view(claim, command.line_no)
    require_currency(claim, command.amount, "amount")
    left = money(view.paid.amount - view.charged_back.amount, claim.currency)
    _at_most(command.amount, left, "paid on the line is left")
    return [
        ChargebackIssued(
            line_no=command.line_no,
            amount=command.amount,
            reason=command.reason,
            line_charged_back=total((view.charged_back, command.amount), claim.currency),
            issued_at=ctx.now,
        )
    ]


def _at_most(amount: Money, limit: Money, what: str) -> None:
    if amount.amount > limit.amount:
        raise InvalidCommandError([FieldViolation("amount", f"only {limit} {what}")])
