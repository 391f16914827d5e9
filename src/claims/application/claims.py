"""Claim and pre-authorization use cases: what a claim decision reads, and what it writes besides the claim.

Filing reads the vehicle, the repair order and the named pre-authorization; the repair order
is where a claim's lines are linked, so two claims stating the same RO line collide on the RO's
version instead of both slipping past the duplicate check. A claim that uses a pre-authorization
consumes it in the same append; a withdrawn claim releases its RO lines. A paid claim is recorded on the
service contract that covers it, if any, in the same append.
"""

from __future__ import annotations

from collections.abc import Mapping
from uuid import UUID

from claims.application.commands import UnitOfWork
from claims.application.contracts import record_claim_paid
from claims.application.streams import CLAIMS, PREAUTHS, REPAIR_ORDERS, VEHICLES
from claims.domain.claim import decide as claim_rules
from claims.domain.claim.commands import ClaimCommand, FileClaim, PostPayment, ResubmitClaim, WithdrawClaim
from claims.domain.claim.context import ClaimContext, ClaimedLine, ClaimPolicy
from claims.domain.claim.state import Claim
from claims.domain.claim.state import evolve as evolve_claim
from claims.domain.claim.values import ClaimStatus
from claims.domain.context import DecisionContext
from claims.domain.errors import NotFoundError
from claims.domain.ids import claim_id_for, preauth_id_for, repair_order_id_for, vehicle_id_for
from claims.domain.preauth import decide as preauth_rules
from claims.domain.preauth.commands import (
    ConsumePreAuthorization,
    PreAuthCommand,
    ReleasePreAuthorization,
    RequestPreAuthorization,
)
from claims.domain.repair_order import decide as repair_order_rules
from claims.domain.repair_order.commands import LinkClaim, ReleaseClaim
from claims.domain.repair_order.state import RepairOrder


def run_claim_command(unit: UnitOfWork, command: ClaimCommand, policy: ClaimPolicy, usage: Mapping[str, int]) -> None:
    """Decide a claim command and record it with its effects on the repair order and pre-authorization."""
    claim_id = claim_id_for(command.dealer_id, command.claim_number)
    claim = unit.load(claim_id, CLAIMS)
    ctx = _context(unit, command, claim, claim_id, policy, usage)
    events = claim_rules.decide(claim, command, ctx)
    unit.record(claim_id, events)
    after = claim
    for event in events:
        after = evolve_claim(after, event)
    if after is not None and events:
        _follow_up(unit, command, after, ctx)


def _context(
    unit: UnitOfWork,
    command: ClaimCommand,
    claim: Claim | None,
    claim_id: UUID,
    policy: ClaimPolicy,
    usage: Mapping[str, int],
) -> ClaimContext:
    if not isinstance(command, (FileClaim, ResubmitClaim)):
        return ClaimContext(now=unit.now, policy=policy)
    vin = command.vin if isinstance(command, FileClaim) else (claim.vin if claim else "")
    ro_number = command.ro_number if isinstance(command, FileClaim) else (claim.ro_number if claim else "")
    repair_order = unit.load(repair_order_id_for(command.dealer_id, ro_number), REPAIR_ORDERS)
    preauth = None
    if command.preauth_number is not None:
        preauth = unit.load(preauth_id_for(command.dealer_id, command.preauth_number), PREAUTHS)
    return ClaimContext(
        now=unit.now,
        policy=policy,
        vehicle=unit.load(vehicle_id_for(vin), VEHICLES) if vin else None,
        repair_order=repair_order,
        preauth=preauth,
        claimed_lines=_claimed_lines(repair_order, claim_id),
        part_usage=dict(usage),
    )


def _claimed_lines(repair_order: RepairOrder | None, claim_id: UUID) -> tuple[ClaimedLine, ...]:
    if repair_order is None:
        return ()
    return tuple(
        ClaimedLine(claim_id=c.claim_id, dealer_id=repair_order.dealer_id, ro_number=repair_order.ro_number, line_no=n)
        for c in repair_order.claims
        if c.claim_id != claim_id
        for n in c.line_nos
    )


def _follow_up(unit: UnitOfWork, command: ClaimCommand, claim: Claim, ctx: ClaimContext) -> None:
    ro_id = repair_order_id_for(claim.dealer_id, claim.ro_number)
    now = DecisionContext(now=unit.now)
    if isinstance(command, (FileClaim, ResubmitClaim)):
        link = LinkClaim(
            dealer_id=claim.dealer_id,
            ro_number=claim.ro_number,
            claim_id=claim.claim_id,
            line_nos=tuple(line.line_no for line in claim.current.lines),
        )
        unit.record(ro_id, repair_order_rules.decide(unit.load(ro_id, REPAIR_ORDERS), link, now))
        preauth = ctx.preauth
        if preauth is not None and preauth.approved and claim.status != ClaimStatus.REJECTED:
            preauth_id = preauth_id_for(claim.dealer_id, preauth.preauth_number)
            consume = ConsumePreAuthorization(
                dealer_id=claim.dealer_id,
                preauth_number=preauth.preauth_number,
                claim_id=claim.claim_id,
                repair_date=claim.current.repair_date,
            )
            unit.record(preauth_id, preauth_rules.decide(preauth, consume, now))
    elif isinstance(command, WithdrawClaim):
        release = ReleaseClaim(dealer_id=claim.dealer_id, ro_number=claim.ro_number, claim_id=claim.claim_id)
        unit.record(ro_id, repair_order_rules.decide(unit.load(ro_id, REPAIR_ORDERS), release, now))
        if claim.current.preauth_number is not None:
            _release_preauth(unit, claim, claim.current.preauth_number, now)
    elif isinstance(command, PostPayment):
        record_claim_paid(unit, claim)


def _release_preauth(unit: UnitOfWork, claim: Claim, preauth_number: str, now: DecisionContext) -> None:
    preauth_id = preauth_id_for(claim.dealer_id, preauth_number)
    preauth = unit.load(preauth_id, PREAUTHS)
    if preauth is not None:
        give_back = ReleasePreAuthorization(
            dealer_id=claim.dealer_id, preauth_number=preauth_number, claim_id=claim.claim_id
        )
        unit.record(preauth_id, preauth_rules.decide(preauth, give_back, now))


def run_preauth_command(unit: UnitOfWork, command: PreAuthCommand) -> None:
    """Decide a pre-authorization command; a request must name a registered vehicle."""
    preauth_id = preauth_id_for(command.dealer_id, command.preauth_number)
    if isinstance(command, RequestPreAuthorization) and unit.load(vehicle_id_for(command.vin), VEHICLES) is None:
        raise NotFoundError(f"no vehicle {command.vin} is registered", metadata={"identifier": command.vin})
    state = unit.load(preauth_id, PREAUTHS)
    unit.record(preauth_id, preauth_rules.decide(state, command, DecisionContext(now=unit.now)))
