"""California (Song-Beverly 1793.22(b)) and New York presumptions."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from claims.domain.statutory.facts import RepairVisit
from claims.domain.statutory.pack import Remedy, evaluate
from claims.domain.statutory.us_ca import US_CA
from claims.domain.statutory.us_ny import US_NY
from tests.unit.statutory.builders import at, us_repair, us_vehicle

DELIVERED = date(2024, 1, 15)  # 18 months run through 2025-07-14


def attempts(count: int, *, notice: bool = True, last_day: date = date(2025, 1, 10), last_miles: int = 9_000,
             **overrides: Any) -> list[RepairVisit]:  # fmt: skip
    early = [us_repair(f"RO-{i}", at(date(2024, 2 * i, 1)), odometer=1_000 * i, **overrides) for i in range(1, count)]
    last = us_repair(f"RO-{count}", at(last_day), odometer=last_miles, direct_notice_sent=notice, **overrides)
    return [*early, last]


@pytest.mark.parametrize(("count", "fires"), [(3, False), (4, True)])
def test_four_repairs_of_one_defect_with_direct_notice_presume_a_lemon_and_three_do_not(
    count: int, fires: bool
) -> None:
    outcome = evaluate(US_CA, us_vehicle(*attempts(count), delivered=DELIVERED)).outcome("same_defect_repairs")
    assert (outcome.fired, outcome.remedy) == (fires, Remedy.REPLACE_OR_REFUND if fires else Remedy.NONE)


def test_four_repairs_without_direct_notice_to_the_manufacturer_presume_nothing() -> None:
    outcome = evaluate(US_CA, us_vehicle(*attempts(4, notice=False), delivered=DELIVERED)).outcome(
        "same_defect_repairs"
    )
    assert not outcome.fired
    assert outcome.facts == {"defect_key": "ENG-001/P0300", "repairs": "4", "direct_notice": "false"}


@pytest.mark.parametrize(("miles", "fires"), [(18_000, True), (18_001, False)])
def test_the_fourth_repair_counts_up_to_18000_miles(miles: int, fires: bool) -> None:
    facts = us_vehicle(*attempts(4, last_miles=miles), delivered=DELIVERED)
    assert evaluate(US_CA, facts).outcome("same_defect_repairs").fired is fires


@pytest.mark.parametrize(("day", "fires"), [(date(2025, 7, 14), True), (date(2025, 7, 15), False)])
def test_the_fourth_repair_counts_up_to_the_last_day_of_18_months(day: date, fires: bool) -> None:
    facts = us_vehicle(*attempts(4, last_day=day), delivered=DELIVERED)
    assert evaluate(US_CA, facts).outcome("same_defect_repairs").fired is fires


@pytest.mark.parametrize(("count", "fires"), [(1, False), (2, True)])
def test_two_repairs_of_a_defect_likely_to_cause_serious_injury_presume_a_lemon(count: int, fires: bool) -> None:
    facts = us_vehicle(*attempts(count, serious_safety=True), delivered=DELIVERED)
    assert evaluate(US_CA, facts).outcome("serious_safety_repairs").fired is fires


@pytest.mark.parametrize(("second_visit_dates", "fires"), [(15, False), (16, True)])
def test_more_than_30_calendar_days_out_of_service_presume_a_lemon(second_visit_dates: int, fires: bool) -> None:
    visits = [
        us_repair("RO-1", at(date(2024, 3, 1)), duration=timedelta(days=14, hours=6), defect_key="A/P0001"),
        us_repair("RO-2", at(date(2024, 6, 1)), duration=timedelta(days=second_visit_dates - 1, hours=6),
                  defect_key="B/P0002"),
    ]  # fmt: skip
    outcome = evaluate(US_CA, us_vehicle(*visits, delivered=DELIVERED)).outcome("cumulative_days_out_of_service")
    assert (outcome.fired, outcome.facts["days"]) == (fires, str(15 + second_visit_dates))


def test_new_york_presumes_a_lemon_after_four_repairs_without_a_notice_condition() -> None:
    facts = us_vehicle(*attempts(4, notice=False), delivered=DELIVERED, jurisdiction="US-NY")
    trace = evaluate(US_NY, facts)
    assert trace.outcome("same_defect_repairs").fired
    assert not trace.outcome("serious_safety_repairs").fired
