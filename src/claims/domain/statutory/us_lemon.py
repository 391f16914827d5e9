"""US lemon-law presumptions shared by California and New York: safety repairs, same-defect repairs, days."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from claims.domain.base import Frozen
from claims.domain.statutory.facts import RepairVisit, VehicleFacts
from claims.domain.statutory.pack import Outcome, Remedy, fired, not_fired
from claims.domain.statutory.windows import Threshold, Window


class DayCount(StrEnum):
    """How days out of service are counted."""

    REPAIR_TIME_DAYS = "REPAIR_TIME_DAYS"  # each visit's days_out_of_service (CN Art. 40 arithmetic)
    CALENDAR_DATES = "CALENDAR_DATES"  # each calendar date the vehicle spent at the repairer, once


def days_out_of_service(visits: Iterable[RepairVisit], count: DayCount) -> int:
    """Cumulative days out of service of ``visits`` under ``count``."""
    if count == DayCount.REPAIR_TIME_DAYS:
        return sum(v.days_out_of_service for v in visits)
    dates: set[date] = set()
    for v in visits:
        span = (v.closed_at.date() - v.opened_on).days
        dates.update(v.opened_on + timedelta(days=i) for i in range(span + 1))
    return len(dates)


class OffsetMilesAt(StrEnum):
    """Which odometer reading a usage offset uses."""

    FIRST_REPAIR_OF_DEFECT = "FIRST_REPAIR_OF_DEFECT"
    AS_OF = "AS_OF"


class MileageOffset(Frozen):
    """Offset = max(0, miles − free_miles) × price / divisor."""

    free_miles: Decimal
    divisor: Decimal
    measured_at: OffsetMilesAt
    citation: str


class LemonParameters(Frozen):
    """A state's presumption of a reasonable number of repair attempts, and its dealer-claim clocks."""

    statute: str
    window: Window
    safety_repairs: Threshold | None
    same_defect_repairs: Threshold
    days_out_of_service: Threshold
    day_count: DayCount
    direct_notice_required: bool
    offset: MileageOffset
    dealer_claim_decision_days: int
    dealer_claim_payment_days: int
    dealer_claim_audit_months: int


def window_visits(facts: VehicleFacts, window: Window) -> tuple[RepairVisit, ...]:
    """Visits opened inside ``window`` from delivery."""
    start, reading = facts.delivery_date, facts.odometer_at_delivery
    return tuple(v for v in facts.visits if window.contains(start, reading, v.opened_on, v.odometer))


def _presumption(
    name: str, facts: VehicleFacts, p: LemonParameters, threshold: Threshold, pick: Callable[[RepairVisit], bool]
) -> Outcome:
    counts = Counter(v.defect_key for v in window_visits(facts, p.window) if pick(v))
    met = [key for key, repairs in counts.items() if threshold.met(repairs)]
    notified = [key for key in met if any(v.direct_notice_sent for v in facts.visits_for(key))]
    eligible = notified if p.direct_notice_required else met
    if eligible:
        key = eligible[0]
        return fired(
            name,
            Remedy.REPLACE_OR_REFUND,
            f"{p.statute}: defect {key} repaired {counts[key]} times within {p.window} ({threshold})"
            f"{', manufacturer notified directly' if key in notified else ''} → replacement or restitution presumed",
            defect_key=key,
            repairs=str(counts[key]),
            direct_notice=str(key in notified).lower(),
        )
    if met:
        explanation = f"repaired {threshold} times but the buyer never notified the manufacturer directly"
        return not_fired(name, explanation, defect_key=met[0], repairs=str(counts[met[0]]), direct_notice="false")
    most = max(counts.values(), default=0)
    return not_fired(
        name, f"at most {most} repairs of one defect within {p.window}, {threshold} needed", repairs=str(most)
    )


def serious_safety_repairs(facts: VehicleFacts, p: LemonParameters) -> Outcome:
    """A nonconformity likely to cause death or serious injury repaired 2 or more times (CA 1793.22(b)(1))."""
    name = "serious_safety_repairs"
    if p.safety_repairs is None:
        return not_fired(name, f"{p.statute} has no safety-defect presumption in this pack")
    return _presumption(name, facts, p, p.safety_repairs, lambda v: v.serious_safety)


def same_defect_repairs(facts: VehicleFacts, p: LemonParameters) -> Outcome:
    """The same nonconformity repaired 4 or more times (CA 1793.22(b)(2))."""
    return _presumption("same_defect_repairs", facts, p, p.same_defect_repairs, lambda v: True)


def cumulative_days_out_of_service(facts: VehicleFacts, p: LemonParameters) -> Outcome:
    """Out of service for repair more than 30 calendar days in the window (CA 1793.22(b)(3))."""
    name = "cumulative_days_out_of_service"
    total = days_out_of_service(window_visits(facts, p.window), p.day_count)
    used = {"days": str(total), "threshold": str(p.days_out_of_service), "window": str(p.window)}
    if not p.days_out_of_service.met(total):
        return not_fired(name, f"{total} days out of service within {p.window}, {p.days_out_of_service} needed", **used)
    return fired(
        name,
        Remedy.REPLACE_OR_REFUND,
        f"{p.statute}: {total} days out of service within {p.window} ({p.days_out_of_service})"
        " → replacement or restitution presumed",
        **used,
    )
