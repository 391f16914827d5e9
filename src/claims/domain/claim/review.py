"""The desk's review and the dealer's answers: decide lines, return, appeal, withdraw."""

from __future__ import annotations

from decimal import Decimal

from claims.domain.claim.commands import AppealClaim, DecideLine, ReturnClaim, WithdrawClaim
from claims.domain.claim.context import ClaimContext
from claims.domain.claim.events import (
    ClaimAppealed,
    ClaimDecided,
    ClaimEvent,
    ClaimLineDecided,
    ClaimReturned,
    ClaimWithdrawn,
)
from claims.domain.claim.guards import known_line, refuse, require_currency, require_status
from claims.domain.claim.lines import PricedLine, money, total, zero
from claims.domain.claim.state import Claim
from claims.domain.claim.values import ClaimStatus, LineDecision
from claims.domain.errors import FieldViolation, InvalidCommandError
from claims.domain.values import Money


def decide_line(claim: Claim, command: DecideLine, ctx: ClaimContext) -> list[ClaimEvent]:
    require_status(claim, (ClaimStatus.UNDER_REVIEW,), "CLAIM_NOT_UNDER_REVIEW", "decided")
    line = _undecided_line(claim, command.line_no)
    approved = _approved(claim, line, command)
    reduced_by = line.claimed.amount - approved.amount if command.decision == LineDecision.ADJUST else Decimal(0)
    decided = ClaimLineDecided(
        line_no=command.line_no,
        decision=command.decision,
        claimed=line.claimed,
        approved=approved,
        adjusted=money(reduced_by, claim.currency),
        reason_code=command.reason_code,
        decided_by=command.decided_by,
        decided_at=ctx.now,
    )
    decisions = [(d.decision, d.approved) for d in claim.decisions] + [(command.decision, approved)]
    if len(decisions) < len(claim.current.lines):
        return [decided]
    return [decided, _claim_decided(claim, decisions, ctx)]


def _undecided_line(claim: Claim, line_no: int) -> PricedLine:
    line = known_line(claim, line_no)
    if claim.decision(line_no) is not None:
        raise refuse(claim, "LINE_ALREADY_DECIDED", f"line {line_no} is already decided", line_no=str(line_no))
    return line


def _approved(claim: Claim, line: PricedLine, command: DecideLine) -> Money:
    match command.decision:
        case LineDecision.APPROVE:
            return line.claimed
        case LineDecision.REJECT:
            return zero(claim.currency)
        case LineDecision.ADJUST:
            amount = command.approved_amount or zero(claim.currency)
            require_currency(claim, amount, "approved_amount")
            if amount.amount >= line.claimed.amount:
                raise InvalidCommandError(
                    [FieldViolation("approved_amount", f"an adjustment approves less than the {line.claimed} claimed")]
                )
            return amount


def _claim_decided(claim: Claim, decisions: list[tuple[LineDecision, Money]], ctx: ClaimContext) -> ClaimDecided:
    kinds = {decision for decision, _ in decisions}
    if kinds == {LineDecision.APPROVE}:
        outcome = ClaimStatus.APPROVED
    elif kinds == {LineDecision.REJECT}:
        outcome = ClaimStatus.REJECTED
    else:
        outcome = ClaimStatus.PARTIALLY_APPROVED
    return ClaimDecided(
        outcome=outcome,
        claimed_total=claim.current.totals.total,
        approved_total=total((approved for _, approved in decisions), claim.currency),
        decided_at=ctx.now,
        appeal_by=ctx.policy.appeal_by(ctx.now.date()) if outcome == ClaimStatus.REJECTED else None,
    )


def return_claim(claim: Claim, command: ReturnClaim, ctx: ClaimContext) -> list[ClaimEvent]:
    require_status(claim, (ClaimStatus.UNDER_REVIEW,), "CLAIM_NOT_UNDER_REVIEW", "returned")
    return [ClaimReturned(reasons=command.reasons, returned_by=command.returned_by, returned_at=ctx.now)]


def appeal(claim: Claim, command: AppealClaim, ctx: ClaimContext) -> list[ClaimEvent]:
    require_status(claim, (ClaimStatus.REJECTED,), "CLAIM_NOT_REJECTED", "appealed")
    if claim.appealed:
        raise refuse(claim, "ALREADY_APPEALED", "a claim may be appealed once")
    if claim.appeal_by is None or ctx.now.date() > claim.appeal_by:
        raise refuse(
            claim,
            "APPEAL_WINDOW_CLOSED",
            f"the rejection could be appealed until {claim.appeal_by}",
            appeal_by=str(claim.appeal_by),
        )
    return [ClaimAppealed(grounds=command.grounds, appealed_at=ctx.now)]


def withdraw(claim: Claim, command: WithdrawClaim, ctx: ClaimContext) -> list[ClaimEvent]:
    if claim.status == ClaimStatus.WITHDRAWN:
        return []
    if claim.status == ClaimStatus.PAID:
        raise refuse(claim, "CLAIM_PAID", "a paid claim cannot be withdrawn")
    return [ClaimWithdrawn(reason=command.reason, previous_status=claim.status, withdrawn_at=ctx.now)]
