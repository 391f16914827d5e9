"""``decide``: what a pre-authorization command results in."""

from __future__ import annotations

from claims.domain.context import DecisionContext
from claims.domain.errors import (
    AlreadyExistsError,
    FieldViolation,
    InvalidCommandError,
    NotFoundError,
    PreconditionFailedError,
)
from claims.domain.ids import preauth_id_for, vehicle_id_for
from claims.domain.preauth.commands import (
    ConsumePreAuthorization,
    DecidePreAuthorization,
    ExpirePreAuthorization,
    PreAuthCommand,
    PreAuthDecision,
    PreAuthRef,
    ReleasePreAuthorization,
    RequestPreAuthorization,
)
from claims.domain.preauth.events import (
    PreAuthEvent,
    PreAuthorizationApproved,
    PreAuthorizationConsumed,
    PreAuthorizationExpired,
    PreAuthorizationRejected,
    PreAuthorizationReleased,
    PreAuthorizationRequested,
)
from claims.domain.preauth.state import PreAuthorization, PreAuthStatus


def decide(preauth: PreAuthorization | None, command: PreAuthCommand, ctx: DecisionContext) -> list[PreAuthEvent]:
    """The events a command produces; raises when the request is impossible."""
    match command:
        case RequestPreAuthorization():
            return _request(preauth, command, ctx)
        case DecidePreAuthorization():
            return _decide(_existing(preauth, command), command, ctx)
        case ConsumePreAuthorization():
            return _consume(_existing(preauth, command), command, ctx)
        case ReleasePreAuthorization():
            return _release(_existing(preauth, command), command, ctx)
        case ExpirePreAuthorization():
            return _expire(_existing(preauth, command), command, ctx)


def _existing(preauth: PreAuthorization | None, command: PreAuthRef) -> PreAuthorization:
    if preauth is None:
        raise NotFoundError(
            f"dealer {command.dealer_id} has no pre-authorization {command.preauth_number}",
            metadata={"dealer_id": command.dealer_id, "preauth_number": command.preauth_number},
        )
    return preauth


def _refuse(preauth: PreAuthorization, reason: str, message: str) -> PreconditionFailedError:
    subject = f"dealers/{preauth.dealer_id}/pre-authorizations/{preauth.preauth_number}"
    return PreconditionFailedError.refusal(
        reason, subject, message, preauth_number=preauth.preauth_number, status=preauth.status.value
    )


def _request(
    preauth: PreAuthorization | None, command: RequestPreAuthorization, ctx: DecisionContext
) -> list[PreAuthEvent]:
    if preauth is not None:
        raise AlreadyExistsError(
            f"dealer {command.dealer_id} already has a pre-authorization {command.preauth_number}",
            metadata={"dealer_id": command.dealer_id, "preauth_number": command.preauth_number},
        )
    return [
        PreAuthorizationRequested(
            **dict(command),
            preauth_id=preauth_id_for(command.dealer_id, command.preauth_number),
            vehicle_id=vehicle_id_for(command.vin),
            requested_at=ctx.now,
        )
    ]


def _decide(preauth: PreAuthorization, command: DecidePreAuthorization, ctx: DecisionContext) -> list[PreAuthEvent]:
    approved_amount = command.approved_amount or preauth.estimated_amount
    if preauth.decision is not None:
        if preauth.decision == command.decision and preauth.expires_on == command.expires_on:
            return []
        raise _refuse(preauth, "PREAUTH_ALREADY_DECIDED", f"the pre-authorization was already {preauth.status}")
    if command.decision == PreAuthDecision.REJECT:
        note = command.note or ""
        return [PreAuthorizationRejected(decided_by=command.decided_by, decided_at=ctx.now, note=note)]
    violations: list[FieldViolation] = []
    if command.expires_on is None or command.expires_on < ctx.now.date():
        violations.append(FieldViolation("expires_on", "an approval expires today or later"))
    if approved_amount.currency != preauth.estimated_amount.currency:
        violations.append(FieldViolation("approved_amount.currency", f"the estimate is in {preauth.estimated_amount}"))
    if violations or command.expires_on is None:
        raise InvalidCommandError(violations)
    return [
        PreAuthorizationApproved(
            approved_amount=approved_amount,
            expires_on=command.expires_on,
            decided_by=command.decided_by,
            decided_at=ctx.now,
            note=command.note,
        )
    ]


def _consume(preauth: PreAuthorization, command: ConsumePreAuthorization, ctx: DecisionContext) -> list[PreAuthEvent]:
    if preauth.status == PreAuthStatus.CONSUMED:
        if preauth.consumed_by == command.claim_id:
            return []
        raise _refuse(
            preauth, "PREAUTH_ALREADY_CONSUMED", f"the pre-authorization was used by claim {preauth.consumed_by}"
        )
    if not preauth.approved:
        raise _refuse(preauth, "PREAUTH_NOT_APPROVED", f"the pre-authorization is {preauth.status}, not approved")
    if not preauth.covers(command.repair_date):
        raise _refuse(
            preauth,
            "PREAUTH_EXPIRED",
            f"the approval expired on {preauth.expires_on}, before the repair on {command.repair_date}",
        )
    return [PreAuthorizationConsumed(claim_id=command.claim_id, repair_date=command.repair_date, consumed_at=ctx.now)]


def _release(preauth: PreAuthorization, command: ReleasePreAuthorization, ctx: DecisionContext) -> list[PreAuthEvent]:
    if preauth.status != PreAuthStatus.CONSUMED or preauth.consumed_by != command.claim_id:
        return []
    return [PreAuthorizationReleased(claim_id=command.claim_id, released_at=ctx.now)]


def _expire(preauth: PreAuthorization, command: ExpirePreAuthorization, ctx: DecisionContext) -> list[PreAuthEvent]:
    if preauth.status == PreAuthStatus.EXPIRED:
        return []
    if preauth.status != PreAuthStatus.APPROVED or preauth.expires_on is None:
        raise _refuse(preauth, "PREAUTH_NOT_APPROVED", f"only an unused approval lapses; this one is {preauth.status}")
    if ctx.now.date() <= preauth.expires_on:
        raise _refuse(preauth, "PREAUTH_NOT_YET_EXPIRED", f"the approval runs until {preauth.expires_on}")
    return [PreAuthorizationExpired(expires_on=preauth.expires_on, expired_at=ctx.now)]
