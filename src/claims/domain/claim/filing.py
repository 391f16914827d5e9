"""Filing and resubmission: validate against the repair order and vehicle, price, check, route."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from claims.domain.claim.commands import ClaimContent, FileClaim, ResubmitClaim
from claims.domain.claim.context import ClaimContext
from claims.domain.claim.events import ClaimEvent, ClaimFiled, ClaimResubmitted
from claims.domain.claim.guards import require_status
from claims.domain.claim.lines import price, totals
from claims.domain.claim.state import Claim
from claims.domain.claim.submission import ClaimDraft, ClaimVersion
from claims.domain.claim.values import ClaimStatus, ClaimType
from claims.domain.errors import (
    AlreadyExistsError,
    FieldViolation,
    InvalidCommandError,
    NotFoundError,
    PreconditionFailedError,
    PreconditionViolation,
)
from claims.domain.ids import claim_id_for
from claims.domain.repair_order.state import RepairOrder
from claims.domain.values import DistanceUnit


def file(claim: Claim | None, command: FileClaim, ctx: ClaimContext) -> list[ClaimEvent]:
    if claim is not None:
        raise AlreadyExistsError(
            f"dealer {command.dealer_id} already has a claim {command.claim_number}",
            metadata={"dealer_id": command.dealer_id, "claim_number": command.claim_number},
        )
    repair_order = _closed_repair_order(command.dealer_id, command.ro_number, command.vin, ctx)
    _check_vehicle(command, command.vin, ctx)
    claim_id = claim_id_for(command.dealer_id, command.claim_number)
    draft = _draft(command, claim_id, command.claim_type, repair_order, version_no=1)
    jurisdiction = ctx.dealer_jurisdiction or ctx.known_vehicle().jurisdiction
    version = _receive(draft, jurisdiction, ctx)
    return [
        ClaimFiled(
            **command.model_dump(include={"dealer_id", "claim_number", "claim_type", "ro_number", "vin", "currency"}),
            claim_id=claim_id,
            repair_order_id=repair_order.repair_order_id,
            vehicle_id=repair_order.vehicle_id,
            campaign_code=command.campaign_code,
            jurisdiction=jurisdiction,
            version=version,
            appeal_by=_appeal_by(version, ctx),
        )
    ]


def resubmit(claim: Claim, command: ResubmitClaim, ctx: ClaimContext) -> list[ClaimEvent]:
    require_status(claim, (ClaimStatus.RETURNED,), "CLAIM_NOT_RETURNED", "resubmitted")
    if command.currency != claim.currency:
        raise InvalidCommandError([FieldViolation("currency", f"the claim was filed in {claim.currency}")])
    repair_order = _closed_repair_order(claim.dealer_id, claim.ro_number, claim.vin, ctx)
    _check_vehicle(command, claim.vin, ctx)
    draft = _draft(command, claim.claim_id, claim.claim_type, repair_order, version_no=len(claim.versions) + 1)
    version = _receive(draft, claim.jurisdiction, ctx)
    return [ClaimResubmitted(version=version, appeal_by=_appeal_by(version, ctx))]


def _closed_repair_order(dealer_id: str, ro_number: str, vin: str, ctx: ClaimContext) -> RepairOrder:
    ro = ctx.repair_order
    if ro is None or (ro.dealer_id, ro.ro_number) != (dealer_id, ro_number):
        raise NotFoundError(
            f"dealer {dealer_id} has no repair order {ro_number}",
            metadata={"dealer_id": dealer_id, "ro_number": ro_number},
        )
    if ro.vin != vin:
        raise InvalidCommandError([FieldViolation("vin", f"repair order {ro_number} is for {ro.vin}")])
    if not ro.is_closed:
        raise PreconditionFailedError(
            f"repair order {ro_number} is still open; claims are filed for completed repairs",
            reason="REPAIR_ORDER_OPEN",
            violations=[
                PreconditionViolation(
                    "REPAIR_ORDER_OPEN", f"dealers/{dealer_id}/repair-orders/{ro_number}", "the repair order is open"
                )
            ],
            metadata={"dealer_id": dealer_id, "ro_number": ro_number},
        )
    return ro


def _check_vehicle(command: ClaimContent, vin: str, ctx: ClaimContext) -> None:
    vehicle = ctx.vehicle
    if vehicle is None or vehicle.identifier != vin:
        raise NotFoundError(f"no vehicle {vin} is registered", metadata={"identifier": vin})
    measures_hours = vehicle.odometer_at_delivery.unit == DistanceUnit.HOURS
    if (command.header.odometer.unit == DistanceUnit.HOURS) != measures_hours:
        raise InvalidCommandError(
            [
                FieldViolation(
                    "header.odometer.unit",
                    f"{vehicle.identifier} measures usage in {vehicle.odometer_at_delivery.unit}",
                )
            ]
        )


def _draft(
    command: ClaimContent, claim_id: UUID, claim_type: ClaimType, ro: RepairOrder, version_no: int
) -> ClaimDraft:
    lines = tuple(price(item, command.currency) for item in command.lines)
    computed = totals(lines, command.currency)
    if command.stated_total is not None and command.stated_total != computed.total:
        raise InvalidCommandError(
            [FieldViolation("stated_total", f"the lines add up to {computed.total}, not {command.stated_total}")]
        )
    return ClaimDraft(
        claim_id=claim_id,
        claim_type=claim_type,
        dealer_id=ro.dealer_id,
        ro_number=ro.ro_number,
        vin=ro.vin,
        version_no=version_no,
        header=command.header,
        repair_opened_at=ro.opened_at,
        repair_closed_at=ro.closed_at,
        lines=lines,
        totals=computed,
        preauth_number=command.preauth_number,
    )


def _receive(draft: ClaimDraft, jurisdiction: str, ctx: ClaimContext) -> ClaimVersion:
    trace = ctx.policy.check(draft, ctx)
    return ClaimVersion(
        **dict(draft.submission()),
        received_at=ctx.now,
        decision_due_on=ctx.policy.decision_due_on(jurisdiction, ctx.now.date()),
        trace=trace,
        routed_to=trace.routed_to,
        reasons=trace.reasons,
    )


def _appeal_by(version: ClaimVersion, ctx: ClaimContext) -> date | None:
    return ctx.policy.appeal_by(ctx.now.date()) if version.routed_to == ClaimStatus.REJECTED else None
