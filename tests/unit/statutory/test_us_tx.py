"""Texas presumption with split windows (Occ. Code 2301.605)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from claims.domain.statutory.facts import RepairVisit
from claims.domain.statutory.pack import Remedy, evaluate
from claims.domain.statutory.us_tx import US_TX
from tests.unit.statutory.builders import at, us_repair, us_vehicle

DELIVERED = date(2024, 1, 10)  # first 12 months through 2025-01-09; 24 months through 2026-01-09


def tx(*visits: RepairVisit) -> dict[str, bool]:
    trace = evaluate(US_TX, us_vehicle(*visits, delivered=DELIVERED, jurisdiction="US-TX"))
    return {o.rule: o.fired for o in trace.outcomes}


def four_attempts(
    *, second_miles: int = 6_000, fourth_day: date = date(2025, 3, 1), fourth_miles: int = 15_000
) -> tuple[RepairVisit, ...]:
    return (
        us_repair("RO-1", at(date(2024, 3, 1)), odometer=2_000),
        us_repair("RO-2", at(date(2024, 6, 1)), odometer=second_miles),  # 2nd attempt: 12 months run to 2025-05-31
        us_repair("RO-3", at(date(2024, 12, 1)), odometer=13_000),
        us_repair("RO-4", at(fourth_day), odometer=fourth_miles),
    )


def test_two_attempts_in_the_first_year_and_two_in_the_year_after_the_second_presume_a_lemon() -> None:
    trace = evaluate(US_TX, us_vehicle(*four_attempts(), delivered=DELIVERED, jurisdiction="US-TX"))
    outcome = trace.outcome("same_defect_repairs")
    assert (outcome.fired, outcome.remedy) == (True, Remedy.REPLACE_OR_REFUND)
    assert (outcome.facts["early_attempts"], outcome.facts["follow_up_attempts"]) == ("2", "2")


@pytest.mark.parametrize(("miles", "fires"), [(12_000, True), (12_001, False)])
def test_the_second_attempt_must_fall_within_the_first_12000_miles(miles: int, fires: bool) -> None:
    assert tx(*four_attempts(second_miles=miles, fourth_miles=20_000))["same_defect_repairs"] is fires


@pytest.mark.parametrize(("day", "fires"), [(date(2025, 5, 31), True), (date(2025, 6, 1), False)])
def test_the_later_attempts_must_fall_within_12_months_of_the_second(day: date, fires: bool) -> None:
    assert tx(*four_attempts(fourth_day=day))["same_defect_repairs"] is fires


@pytest.mark.parametrize(("miles", "fires"), [(18_000, True), (18_001, False)])
def test_the_later_attempts_must_fall_within_12000_miles_of_the_second(miles: int, fires: bool) -> None:
    assert tx(*four_attempts(second_miles=6_000, fourth_miles=miles))["same_defect_repairs"] is fires


def hazard(visit_id: str, day: date, miles: int) -> RepairVisit:
    return us_repair(visit_id, at(day), odometer=miles, serious_safety=True, defect_key="BRK/C0040")


@pytest.mark.parametrize(("second", "fires"), [(date(2025, 5, 31), True), (date(2025, 6, 1), False)])
def test_a_serious_safety_hazard_needs_its_second_repair_within_12_months_of_the_first(
    second: date, fires: bool
) -> None:
    assert tx(hazard("RO-1", date(2024, 6, 1), 5_000), hazard("RO-2", second, 9_000))["serious_safety_repairs"] is fires


@pytest.mark.parametrize(("first", "fires"), [(date(2025, 1, 9), True), (date(2025, 1, 10), False)])
def test_a_serious_safety_hazard_needs_its_first_repair_within_the_first_12_months(first: date, fires: bool) -> None:
    visits = hazard("RO-1", first, 5_000), hazard("RO-2", first + timedelta(days=30), 6_000)
    assert tx(*visits)["serious_safety_repairs"] is fires


def out_of_service(visit_id: str, day: date, dates: int, defect: str) -> RepairVisit:
    return us_repair(visit_id, at(day), duration=timedelta(days=dates - 1, hours=6), defect_key=defect)


@pytest.mark.parametrize(("last_dates", "fires"), [(9, False), (10, True)])
def test_30_days_out_of_service_with_two_attempts_in_the_first_year_presume_a_lemon(
    last_dates: int, fires: bool
) -> None:
    visits = (
        out_of_service("RO-1", date(2024, 3, 1), 10, "A/P0001"),
        out_of_service("RO-2", date(2024, 8, 1), 10, "B/P0002"),
        out_of_service("RO-3", date(2025, 4, 1), last_dates, "C/P0003"),
    )
    assert tx(*visits)["cumulative_days_out_of_service"] is fires


def test_30_days_out_of_service_with_one_attempt_in_the_first_year_presume_nothing() -> None:
    visits = (
        out_of_service("RO-1", date(2024, 3, 1), 10, "A/P0001"),
        out_of_service("RO-2", date(2025, 3, 1), 10, "B/P0002"),
        out_of_service("RO-3", date(2025, 4, 1), 10, "C/P0003"),
    )
    assert tx(*visits)["cumulative_days_out_of_service"] is False
