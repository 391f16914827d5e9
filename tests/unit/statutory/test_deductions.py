"""Usage deductions: CN usage compensation (Art. 27), California's offset, New York's mileage deduction."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from claims.domain.errors import InvalidCommandError
from claims.domain.statutory.cn_2013 import CN_2013
from claims.domain.statutory.cn_2022 import CN_2022
from claims.domain.statutory.deductions import (
    ca_usage_offset,
    cn_usage_compensation,
    ny_mileage_deduction,
    usage_deduction,
)
from claims.domain.statutory.errors import UsageCoefficientOutOfRangeError
from claims.domain.statutory.us_ca import US_CA
from claims.domain.statutory.us_ny import US_NY
from claims.domain.statutory.us_tx import US_TX
from claims.domain.values import Money
from tests.unit.statutory.builders import at, us_repair, us_vehicle, vehicle


def cny(amount: str) -> Money:
    return Money(amount=Decimal(amount), currency="CNY")


def usd(amount: str) -> Money:
    return Money(amount=Decimal(amount), currency="USD")


def test_cn_usage_compensation_is_price_times_km_over_1000_times_n() -> None:
    deduction = cn_usage_compensation(vehicle(as_of_odometer=2_000, n="0.005"), CN_2022.parameters)
    assert deduction.amount == cny("1000.00")
    assert deduction.explanation.endswith("= 100,000 × 2,000 km / 1000 × 0.5% = 1000.00 CNY")


def test_a_coefficient_of_0_6_percent_is_refused_under_cn_2022() -> None:
    with pytest.raises(UsageCoefficientOutOfRangeError) as refused:
        cn_usage_compensation(vehicle(as_of_odometer=2_000, n="0.006"), CN_2022.parameters)
    assert refused.value.violations[0].field == "usage_coefficient"
    assert "0.6%" in refused.value.violations[0].description


def test_a_coefficient_of_0_6_percent_is_accepted_under_cn_2013() -> None:
    deduction = cn_usage_compensation(vehicle(as_of_odometer=2_000, n="0.006"), CN_2013.parameters)
    assert deduction.amount == cny("1200.00")


def test_a_coefficient_of_0_5_percent_is_the_cap_from_2022_and_the_floor_before() -> None:
    facts = vehicle(as_of_odometer=2_000, n="0.005")
    assert (
        cn_usage_compensation(facts, CN_2022.parameters).amount
        == cn_usage_compensation(facts, CN_2013.parameters).amount
    )
    with pytest.raises(UsageCoefficientOutOfRangeError):
        cn_usage_compensation(vehicle(as_of_odometer=2_000, n="0.004"), CN_2013.parameters)


def test_cn_usage_compensation_needs_the_coefficient() -> None:
    with pytest.raises(InvalidCommandError) as refused:
        cn_usage_compensation(vehicle(as_of_odometer=2_000, n=None), CN_2022.parameters)
    assert refused.value.violations[0].field == "usage_coefficient"


def test_the_california_offset_uses_the_miles_before_the_first_repair_of_that_defect() -> None:
    facts = us_vehicle(
        us_repair("RO-1", at(date(2024, 2, 1)), odometer=1_000, defect_key="RADIO/B1000"),
        us_repair("RO-2", at(date(2024, 4, 1)), odometer=3_000),
        us_repair("RO-3", at(date(2024, 9, 1)), odometer=10_000),
        delivered=date(2024, 1, 15),
    )
    deduction = ca_usage_offset(facts, "ENG-001/P0300", US_CA.parameters)
    assert deduction.amount == usd("1000.00")
    assert "40,000 × 3,000 / 120,000" in deduction.explanation


def test_the_california_offset_needs_a_repair_of_the_defect() -> None:
    facts = us_vehicle(us_repair("RO-1", at(date(2024, 4, 1)), odometer=3_000), delivered=date(2024, 1, 15))
    with pytest.raises(InvalidCommandError):
        ca_usage_offset(facts, "NOT/SEEN", US_CA.parameters)


@pytest.mark.parametrize(
    ("miles", "amount"), [(30_000, "7200.00"), (12_001, "0.40"), (12_000, "0.00"), (11_000, "0.00")]
)
def test_the_new_york_deduction_counts_only_miles_beyond_12000(miles: int, amount: str) -> None:
    facts = us_vehicle(delivered=date(2024, 1, 15), as_of=date(2026, 1, 15), as_of_odometer=miles, jurisdiction="US-NY")
    assert ny_mileage_deduction(facts, US_NY.parameters).amount == usd(amount)


def test_the_deduction_follows_the_pack_and_a_pack_without_one_gives_none() -> None:
    cn = vehicle(as_of_odometer=2_000)
    tx = us_vehicle(delivered=date(2024, 1, 15), as_of_odometer=5_000, jurisdiction="US-TX")
    assert usage_deduction(CN_2022, cn) == cn_usage_compensation(cn, CN_2022.parameters)
    assert usage_deduction(US_TX, tx) is None
