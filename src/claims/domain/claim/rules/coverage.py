"""Rules about the vehicle: is the component covered, and does the stated odometer fit its history."""

from __future__ import annotations

from decimal import Decimal

from claims.domain.claim.context import ClaimContext
from claims.domain.claim.submission import ClaimDraft
from claims.domain.claim.trace import Finding, manual_review, passed, rejected, returned
from claims.domain.claim.values import ClaimType
from claims.domain.vehicle.coverage_terms import ComponentGroup
from claims.domain.vehicle.status import coverage_status

NOT_COVERAGE_CLAIMS = (ClaimType.PRE_DELIVERY, ClaimType.CAMPAIGN)


def coverage_in_force(draft: ClaimDraft, ctx: ClaimContext) -> Finding:
    """A coverage naming the claim's component group is in force on the repair date at the claim's odometer."""
    group, odometer, on = draft.header.component_group, draft.header.odometer, draft.repair_date
    facts = {"claim_type": draft.claim_type.value, "component_group": group.value, "repair_date": on.isoformat()}
    if draft.claim_type in NOT_COVERAGE_CLAIMS:
        return passed(**facts, basis="pre-delivery and campaign repairs are the manufacturer's, whatever the coverage")
    facts["odometer"] = str(odometer)
    evaluated = [
        coverage_status(c, on, odometer)
        for c in ctx.known_vehicle().coverages
        if group in c.component_groups or ComponentGroup.WHOLE_PRODUCT in c.component_groups
    ]
    in_force = next((s for s in evaluated if s.status.in_force), None)
    if in_force is not None:
        remaining = in_force.status.distance_remaining
        return passed(
            **facts,
            coverage=in_force.code,
            ends_on=in_force.status.ends_on.isoformat(),
            distance_remaining="unlimited" if remaining is None else str(remaining),
        )
    facts["coverages"] = "; ".join(f"{s.code}: {s.status.state.value}" for s in evaluated) or "none names the group"
    reason = f"no coverage of {group.value} is in force on {on.isoformat()} at {odometer}"
    if draft.claim_type == ClaimType.GOODWILL:
        return manual_review(f"{reason}: goodwill is the desk's call", **facts)
    return rejected(reason, **facts)


def odometer_plausible(draft: ClaimDraft, ctx: ClaimContext) -> Finding:
    """The claim's odometer is not below an earlier reading of the vehicle nor above a later one."""
    vehicle = ctx.known_vehicle()
    unit = vehicle.odometer_at_delivery.unit
    stated = draft.header.odometer.to(unit)
    delivered_before = vehicle.delivery_date <= draft.repair_date
    known: list[tuple[Decimal, str, bool]] = [
        (vehicle.odometer_at_delivery.value, f"delivery on {vehicle.delivery_date.isoformat()}", delivered_before),
        *((r.reading.to(unit), r.read_at.isoformat(), r.read_at <= draft.repair_opened_at) for r in vehicle.readings),
    ]
    earlier = max(((value, label) for value, label, before in known if before), default=None)
    later = min(((value, label) for value, label, before in known if not before), default=None)
    facts = {
        "odometer": str(draft.header.odometer),
        "previous_reading": "none" if earlier is None else f"{earlier[0]} {unit.value} at {earlier[1]}",
        "next_reading": "none" if later is None else f"{later[0]} {unit.value} at {later[1]}",
    }
    if earlier is not None and stated < earlier[0]:
        return returned(f"odometer {draft.header.odometer} is lower than the reading at {earlier[1]}", **facts)
    if later is not None and stated > later[0]:
        return returned(f"odometer {draft.header.odometer} is higher than the later reading at {later[1]}", **facts)
    return passed(**facts)
