"""US-TX: Texas lemon-law presumption with split windows (Occ. Code 2301.605), DOMAIN.md §1b."""

from __future__ import annotations

from decimal import Decimal

from claims.domain.base import Frozen
from claims.domain.statutory.facts import RepairVisit, VehicleFacts
from claims.domain.statutory.pack import UNRESEARCHED_START, Outcome, Remedy, RulePack, fired, not_fired
from claims.domain.statutory.us_lemon import DayCount, days_out_of_service, window_visits
from claims.domain.statutory.windows import Threshold, Window, at_least
from claims.domain.values import DistanceUnit


class TexasParameters(Frozen):
    """Texas's windows: 24/24,000 overall, the first 12/12,000, and 12/12,000 after a given attempt."""

    statute: str
    window: Window
    first_window: Window
    follow_up_window: Window
    early_attempts: int  # same defect: attempts in the first window
    follow_up_attempts: int  # same defect: further attempts in the window after the last early one
    safety_follow_up_attempts: int  # serious safety hazard: attempts after the first, within its follow-up window
    days_out_of_service: Threshold
    attempts_before_days: int  # days ground: attempts (any defect) in the first window
    day_count: DayCount


def _early(facts: VehicleFacts, p: TexasParameters, visit: RepairVisit) -> bool:
    return p.first_window.contains(facts.delivery_date, facts.odometer_at_delivery, visit.opened_on, visit.odometer)


def _after(p: TexasParameters, anchor: RepairVisit, visits: list[RepairVisit]) -> list[RepairVisit]:
    """Visits after ``anchor`` within the follow-up window opened on its date at its reading."""
    return [
        v
        for v in visits
        if v.opened_at > anchor.opened_at
        and p.follow_up_window.contains(anchor.opened_on, anchor.odometer, v.opened_on, v.odometer)
    ]


def same_defect_repairs(facts: VehicleFacts, p: TexasParameters) -> Outcome:
    """Four attempts: two in the first 12 months/12,000 miles, two in the 12 months/12,000 miles after the 2nd."""
    name = "same_defect_repairs"
    visits = window_visits(facts, p.window)
    seen = []
    for key in facts.defect_keys:
        attempts = [v for v in visits if v.defect_key == key]
        early = [v for v in attempts if _early(facts, p, v)]
        later = _after(p, early[p.early_attempts - 1], attempts) if len(early) >= p.early_attempts else []
        seen.append(f"{key}: {len(attempts)} attempts, {len(early)} early, {len(later)} after the 2nd")
        if len(early) >= p.early_attempts and len(later) >= p.follow_up_attempts:
            return fired(
                name,
                Remedy.REPLACE_OR_REFUND,
                f"{p.statute}: defect {key} had {len(early)} attempts within {p.first_window} of delivery and"
                f" {len(later)} within {p.follow_up_window} after attempt {p.early_attempts}"
                " → replacement or repurchase presumed",
                defect_key=key,
                attempts=str(len(attempts)),
                early_attempts=str(len(early)),
                follow_up_attempts=str(len(later)),
            )
    return not_fired(name, "no defect has the attempts in both split windows", attempts="; ".join(seen) or "none")


def serious_safety_repairs(facts: VehicleFacts, p: TexasParameters) -> Outcome:
    """A serious safety hazard repaired twice: the 1st in the first 12/12,000, the 2nd within 12/12,000 of it."""
    name = "serious_safety_repairs"
    visits = [v for v in window_visits(facts, p.window) if v.serious_safety]
    for key in facts.defect_keys:
        attempts = [v for v in visits if v.defect_key == key]
        if not attempts or not _early(facts, p, attempts[0]):
            continue
        later = _after(p, attempts[0], attempts)
        if len(later) >= p.safety_follow_up_attempts:
            return fired(
                name,
                Remedy.REPLACE_OR_REFUND,
                f"{p.statute}: serious safety hazard {key} repaired within {p.first_window} of delivery and again"
                f" within {p.follow_up_window} of that attempt → replacement or repurchase presumed",
                defect_key=key,
                first_attempt=attempts[0].visit_id,
                follow_up_attempts=str(len(later)),
            )
    return not_fired(name, "no serious safety hazard repaired in the first window and again within the next")


def cumulative_days_out_of_service(facts: VehicleFacts, p: TexasParameters) -> Outcome:
    """30 or more days out of service in 24/24,000, with at least two attempts in the first 12/12,000."""
    name = "cumulative_days_out_of_service"
    visits = window_visits(facts, p.window)
    total = days_out_of_service(visits, p.day_count)
    early = sum(1 for v in visits if _early(facts, p, v))
    used = {"days": str(total), "threshold": str(p.days_out_of_service), "early_attempts": str(early)}
    if not p.days_out_of_service.met(total) or early < p.attempts_before_days:
        return not_fired(
            name,
            f"{total} days out of service ({p.days_out_of_service} needed) with {early} attempts in the first window"
            f" ({p.attempts_before_days} needed)",
            **used,
        )
    return fired(
        name,
        Remedy.REPLACE_OR_REFUND,
        f"{p.statute}: {total} days out of service within {p.window} and {early} attempts within {p.first_window}"
        " → replacement or repurchase presumed",
        **used,
    )


def _miles(months: int, miles: int) -> Window:
    return Window(months=months, distance=Decimal(miles), unit=DistanceUnit.MI)


US_TX_PARAMETERS = TexasParameters(
    statute="Tex. Occ. Code 2301.605",
    window=_miles(24, 24_000),
    first_window=_miles(12, 12_000),
    follow_up_window=_miles(12, 12_000),
    early_attempts=2,
    follow_up_attempts=2,
    safety_follow_up_attempts=1,
    days_out_of_service=at_least(30),
    attempts_before_days=2,
    day_count=DayCount.CALENDAR_DATES,  # UNCONFIRMED, as for California
)

US_TX = RulePack[TexasParameters](
    pack_id="US-TX",
    version="1",
    title="Texas Occupations Code 2301.605 (lemon-law presumption)",
    jurisdiction="US-TX",
    effective_from=UNRESEARCHED_START,
    parameters=US_TX_PARAMETERS,
    rules=(serious_safety_repairs, same_defect_repairs, cumulative_days_out_of_service),
)
