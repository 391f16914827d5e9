"""Deemed approval: a claim its decision clock ran out on is approved by law (CA VC 3065, NY VAT 465)."""

from __future__ import annotations

from claims.domain.claim.commands import DeemApproval
from claims.domain.claim.context import ClaimContext
from claims.domain.claim.events import ClaimDeemedApproved, ClaimEvent, LineApproval
from claims.domain.claim.guards import refuse, require_status
from claims.domain.claim.state import Claim
from claims.domain.claim.values import ClaimStatus
from claims.domain.errors import FieldViolation, InvalidCommandError
from claims.domain.statutory.commitments import Commitment, DeemedOutcome, commitment, due_by

DEEMED_APPROVED = "DEEMED_APPROVED"


def deem_approval(claim: Claim, command: DeemApproval, ctx: ClaimContext) -> list[ClaimEvent]:
    """Approve every line of the current version as claimed, once its decision clock has run out."""
    if claim.deemed_approved_at is not None:
        return []
    require_status(claim, (ClaimStatus.UNDER_REVIEW,), "CLAIM_NOT_UNDER_REVIEW", "deemed approved")
    if claim.appealed:
        raise refuse(claim, "CLAIM_APPEALED", "an appeal runs no statutory decision clock: the desk decides it")
    clock = _decision_clock(claim, command.commitment_code)
    version = claim.current
    # The clock is the current version's: a resubmission restarts it.
    due = due_by(clock, version.received_at)
    if command.due_at != due:
        message = f"the decision clock of version {version.version_no} runs out at {due.isoformat()}"
        raise refuse(claim, "DECISION_CLOCK_MISMATCH", message, due_at=due.isoformat())
    if ctx.now < due:
        message = f"the decision clock runs until {due.isoformat()}; the claim may still be decided"
        raise refuse(claim, "DECISION_CLOCK_RUNNING", message, due_at=due.isoformat())
    total = version.totals.total
    return [
        ClaimDeemedApproved(
            commitment_code=clock.code,
            statute=clock.source,
            reason_code=DEEMED_APPROVED,
            lines=tuple(LineApproval(line_no=line.line_no, approved=line.claimed) for line in version.lines),
            claimed_total=total,
            approved_total=total,
            due_at=due,
            deemed_at=ctx.now,
        )
    ]


def _decision_clock(claim: Claim, code: str) -> Commitment:
    try:
        clock = commitment(code)
    except KeyError:
        raise InvalidCommandError([FieldViolation("commitment_code", f"no commitment {code}")]) from None
    if clock.breach.deemed != DeemedOutcome.APPROVED:
        raise InvalidCommandError([FieldViolation("commitment_code", f"{code} does not deem a claim approved")])
    if not clock.covers(claim.jurisdiction):
        message = f"{code} does not bind claims filed in {claim.jurisdiction}"
        raise refuse(claim, "COMMITMENT_NOT_APPLICABLE", message, commitment_code=code)
    return clock
