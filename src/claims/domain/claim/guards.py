"""The refusals every claim decision shares: unknown claim or line, wrong status, wrong currency."""

from __future__ import annotations

from collections.abc import Collection

from claims.domain.claim.commands import ClaimRef
from claims.domain.claim.lines import PricedLine
from claims.domain.claim.state import Claim
from claims.domain.claim.values import ClaimStatus
from claims.domain.claim.views import LineView
from claims.domain.errors import (
    FieldViolation,
    InvalidCommandError,
    NotFoundError,
    PreconditionFailedError,
)
from claims.domain.values import Money


def existing(claim: Claim | None, command: ClaimRef) -> Claim:
    if claim is None:
        raise NotFoundError(
            f"dealer {command.dealer_id} has no claim {command.claim_number}",
            metadata={"dealer_id": command.dealer_id, "claim_number": command.claim_number},
        )
    return claim


def refuse(claim: Claim, reason: str, message: str, **metadata: str) -> PreconditionFailedError:
    """A refusal because of the claim's state, naming the claim and its status."""
    subject = f"dealers/{claim.dealer_id}/claims/{claim.claim_number}"
    return PreconditionFailedError.refusal(
        reason, subject, message, claim_number=claim.claim_number, status=claim.status.value, **metadata
    )


def require_status(claim: Claim, allowed: Collection[ClaimStatus], reason: str, action: str) -> None:
    if claim.status not in allowed:
        expected = " or ".join(s.value for s in allowed)
        raise refuse(
            claim, reason, f"only a claim that is {expected} can be {action}; this one is {claim.status.value}"
        )


def known_line(claim: Claim, line_no: int) -> PricedLine:
    line = claim.current.line(line_no)
    if line is None:
        raise NotFoundError(
            f"claim {claim.claim_number} has no line {line_no}",
            metadata={"claim_number": claim.claim_number, "line_no": str(line_no)},
        )
    return line


def known_view(claim: Claim, line_no: int) -> LineView:
    known_line(claim, line_no)
    view = claim.line(line_no)
    if view is None:  # the current version has the line, so its view exists
        raise NotFoundError(f"claim {claim.claim_number} has no line {line_no}")
    return view


def require_currency(claim: Claim, amount: Money, field: str) -> None:
    if amount.currency != claim.currency:
        raise InvalidCommandError([FieldViolation(f"{field}.currency", f"the claim is in {claim.currency}")])
