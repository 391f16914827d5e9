"""What-if: the same history under two packs, and the rules whose outcome differs."""

from __future__ import annotations

from datetime import date

from claims.domain.statutory.cn_2013 import CN_2013
from claims.domain.statutory.cn_2022 import CN_2022
from claims.domain.statutory.eu_2019_771 import EU_2019_771_V1, EU_2019_771_V2
from claims.domain.statutory.facts import RepairVisit
from claims.domain.statutory.pack import Remedy
from claims.domain.statutory.what_if import compare
from tests.unit.statutory.builders import at, days, eu_vehicle, on_day, repair, vehicle


def five_repairs_over_31_days() -> list[RepairVisit]:
    lengths = (6, 6, 6, 6, 7)
    return [repair(f"RO-{i}", on_day(60 * i), odometer=4_000 * i, duration=days(n)) for i, n in enumerate(lengths, 1)]


def test_five_repairs_over_31_days_are_eligible_under_cn_2022_and_not_under_cn_2013() -> None:
    differences = compare(vehicle(*five_repairs_over_31_days()), CN_2022, CN_2013)
    assert [d.rule for d in differences] == ["cumulative_days_out_of_service", "same_defect_repairs"]
    for d in differences:
        assert d.under_a is not None
        assert d.under_b is not None
        assert (d.under_a.fired, d.under_a.remedy, d.under_b.fired) == (True, Remedy.REPLACE_OR_REFUND, False)
    assert differences[0].summary == (
        "cumulative_days_out_of_service: fires (REPLACE_OR_REFUND) under CN-2022 v1, does not fire under CN-2013 v1"
    )


def test_the_same_pack_twice_shows_no_difference() -> None:
    assert compare(vehicle(*five_repairs_over_31_days()), CN_2022, CN_2022) == []


def test_a_late_complaint_after_a_repair_differs_only_where_2024_1799_extends_liability() -> None:
    facts = eu_vehicle(
        repair("RO-1", at(date(2027, 3, 1)), defect_key="HVAC/B1234"),
        repair("RO-2", at(date(2028, 10, 1)), defect_key="ECU/U0100"),
        delivered=date(2026, 8, 1),
    )
    differences = compare(facts, EU_2019_771_V1, EU_2019_771_V2)
    assert [d.rule for d in differences] == ["seller_liable", "repair_or_replacement"]
