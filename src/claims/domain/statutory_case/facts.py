"""The facts the rule packs read, built from a vehicle and its case: for decisions and for what-if alike."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from claims.domain.statutory.facts import RepairVisit, VehicleFacts
from claims.domain.statutory_case.context import CaseContext
from claims.domain.statutory_case.state import StatutoryCase
from claims.domain.values import Distance, DistanceUnit
from claims.domain.vehicle.state import Vehicle


def in_unit(distance: Distance, unit: DistanceUnit) -> Distance:
    """``distance`` expressed in ``unit`` (raises ValueError for operating hours against a distance)."""
    return distance if distance.unit == unit else Distance(value=distance.to(unit), unit=unit)


def case_facts(
    vehicle: Vehicle,
    case: StatutoryCase | None,
    as_of: date,
    as_of_odometer: Distance,
    usage_coefficient: Decimal | None,
) -> VehicleFacts:
    """The vehicle's sale and its case's history as of ``as_of``, readings in the vehicle's unit.

    Visits opened after ``as_of`` and notices given after it are left out, so a past date shows the facts
    as they stood then. A direct notice carries no defect: any notice given counts for every visit.
    """
    unit = vehicle.odometer_at_delivery.unit
    visits = case.visits if case is not None else ()
    notified = case is not None and any(day <= as_of for day in case.notices)
    return VehicleFacts(
        jurisdiction=vehicle.jurisdiction,
        sale_date=vehicle.invoice_date,
        delivery_date=vehicle.delivery_date,
        price=vehicle.price,
        odometer_unit=unit,
        odometer_at_delivery=vehicle.odometer_at_delivery,
        usage_coefficient=usage_coefficient,
        visits=tuple(_as_fact(v, unit, notified) for v in visits if v.opened_on <= as_of),
        as_of=as_of,
        as_of_odometer=in_unit(as_of_odometer, unit),
    )


def _as_fact(visit: RepairVisit, unit: DistanceUnit, notified: bool) -> RepairVisit:
    update = {"odometer": in_unit(visit.odometer, unit), "direct_notice_sent": visit.direct_notice_sent or notified}
    return visit.model_copy(update=update)


def decision_date(ctx: CaseContext, case: StatutoryCase) -> date:
    """The date a decision takes the facts as of: today, or a later visit date where a dealer's offset is ahead."""
    return max([ctx.today, ctx.vehicle.delivery_date, *(v.opened_on for v in case.visits)])


def facts_now(ctx: CaseContext, case: StatutoryCase) -> VehicleFacts:
    """The case's facts on the decision date, at the vehicle's latest reading."""
    return case_facts(ctx.vehicle, case, decision_date(ctx, case), ctx.as_of_odometer, ctx.usage_coefficient)
