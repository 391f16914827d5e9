"""EU sale-of-goods liability: 2 years, 1-year burden of proof, remedy tiers, and 2024/1799's extension."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from claims.domain.statutory.eu_2019_771 import EU_2019_771_V1, EU_2019_771_V2
from claims.domain.statutory.facts import RepairVisit
from claims.domain.statutory.pack import Remedy, RulePack, evaluate
from tests.unit.statutory.builders import at, eu_vehicle, repair

DELIVERED = date(2025, 1, 1)


def complaint(day: date, visit_id: str = "RO-9", **overrides: Any) -> RepairVisit:
    return repair(visit_id, at(day), odometer=20_000, **overrides)


@pytest.mark.parametrize(("day", "fires"), [(date(2025, 12, 31), True), (date(2026, 1, 1), False)])
def test_the_seller_bears_the_burden_of_proof_through_day_365_but_not_on_day_366(day: date, fires: bool) -> None:
    outcome = evaluate(EU_2019_771_V1, eu_vehicle(complaint(day), delivered=DELIVERED)).outcome(
        "burden_of_proof_on_seller"
    )
    assert (outcome.fired, outcome.facts["day"]) == (fires, "365" if fires else "366")


@pytest.mark.parametrize(("day", "fires"), [(date(2026, 12, 31), True), (date(2027, 1, 1), False)])
def test_the_seller_is_liable_for_two_years_from_delivery(day: date, fires: bool) -> None:
    outcome = evaluate(EU_2019_771_V1, eu_vehicle(complaint(day), delivered=DELIVERED)).outcome("seller_liable")
    assert outcome.fired is fires


LATE_DELIVERY = date(2026, 8, 1)  # 2 years run through 2028-07-31


def repaired_then_failing(day: date) -> list[RepairVisit]:
    return [
        repair("RO-1", at(date(2027, 3, 1)), odometer=8_000, defect_key="HVAC/B1234"),
        repair("RO-2", at(date(2027, 9, 1)), odometer=12_000, defect_key="HVAC/B1234"),
        complaint(day, defect_key="ECU/U0100"),
    ]


@pytest.mark.parametrize(("pack", "fires"), [(EU_2019_771_V1, False), (EU_2019_771_V2, True)])
def test_a_repair_extends_liability_by_12_months_only_from_the_2026_version(pack: RulePack[Any], fires: bool) -> None:
    facts = eu_vehicle(*repaired_then_failing(date(2028, 10, 1)), delivered=LATE_DELIVERY)
    outcome = evaluate(pack, facts).outcome("seller_liable")
    assert (outcome.fired, outcome.facts["liability_ends"]) == (fires, "2029-07-31" if fires else "2028-07-31")


@pytest.mark.parametrize(("day", "fires"), [(date(2029, 7, 31), True), (date(2029, 8, 1), False)])
def test_liability_is_extended_once_however_many_repairs(day: date, fires: bool) -> None:
    facts = eu_vehicle(*repaired_then_failing(day), delivered=LATE_DELIVERY)
    assert evaluate(EU_2019_771_V2, facts).outcome("seller_liable").fired is fires


def test_a_first_lack_of_conformity_is_remedied_by_repair_or_replacement() -> None:
    trace = evaluate(EU_2019_771_V1, eu_vehicle(complaint(date(2025, 6, 1)), delivered=DELIVERED))
    assert (trace.outcome("repair_or_replacement").fired, trace.outcome("repair_or_replacement").remedy) == (
        True,
        Remedy.REPAIR,
    )
    assert not trace.outcome("price_reduction_or_termination").fired


def test_a_defect_recurring_after_a_repair_opens_price_reduction_or_termination() -> None:
    facts = eu_vehicle(repair("RO-1", at(date(2025, 3, 1))), complaint(date(2025, 6, 1)), delivered=DELIVERED)
    trace = evaluate(EU_2019_771_V1, facts)
    assert not trace.outcome("repair_or_replacement").fired
    outcome = trace.outcome("price_reduction_or_termination")
    assert (outcome.fired, outcome.remedy) == (True, Remedy.PRICE_REDUCTION_OR_TERMINATION)


def test_a_minor_recurring_defect_allows_a_price_reduction_but_no_termination() -> None:
    facts = eu_vehicle(
        repair("RO-1", at(date(2025, 3, 1))), complaint(date(2025, 6, 1), minor_nonconformity=True), delivered=DELIVERED
    )
    outcome = evaluate(EU_2019_771_V1, facts).outcome("price_reduction_or_termination")
    assert (outcome.fired, outcome.remedy) == (True, Remedy.PRICE_REDUCTION)
