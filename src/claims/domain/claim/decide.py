"""``decide``: what a claim command results in, given the claim's state and the claim context."""

from __future__ import annotations

from claims.domain.claim.commands import (
    AppealClaim,
    ApplyDeduction,
    ChargeBack,
    ClaimCommand,
    DecideLine,
    DeemApproval,
    FileClaim,
    PostPayment,
    RecordPartInspection,
    RecordPartReceived,
    RequestPartReturn,
    ResubmitClaim,
    ReturnClaim,
    WithdrawClaim,
)
from claims.domain.claim.context import ClaimContext
from claims.domain.claim.deemed import deem_approval
from claims.domain.claim.events import ClaimEvent
from claims.domain.claim.filing import file, resubmit
from claims.domain.claim.guards import existing
from claims.domain.claim.review import appeal, decide_line, return_claim, withdraw
from claims.domain.claim.settlement import charge_back, deduct, inspect_part, pay, receive_part, request_part_return
from claims.domain.claim.state import Claim


def decide(claim: Claim | None, command: ClaimCommand, ctx: ClaimContext) -> list[ClaimEvent]:
    """The events a command produces; raises when the request is impossible."""
    match command:
        case FileClaim():
            return file(claim, command, ctx)
        case ResubmitClaim():
            return resubmit(existing(claim, command), command, ctx)
        case DecideLine():
            return decide_line(existing(claim, command), command, ctx)
        case ReturnClaim():
            return return_claim(existing(claim, command), command, ctx)
        case AppealClaim():
            return appeal(existing(claim, command), command, ctx)
        case WithdrawClaim():
            return withdraw(existing(claim, command), command, ctx)
        case PostPayment():
            return pay(existing(claim, command), command, ctx)
        case RequestPartReturn():
            return request_part_return(existing(claim, command), command, ctx)
        case RecordPartReceived():
            return receive_part(existing(claim, command), command, ctx)
        case RecordPartInspection():
            return inspect_part(existing(claim, command), command, ctx)
        case ApplyDeduction():
            return deduct(existing(claim, command), command, ctx)
        case ChargeBack():
            return charge_back(existing(claim, command), command, ctx)
        case DeemApproval():
            return deem_approval(existing(claim, command), command, ctx)
