"""CN 三包 replace/refund grounds inside the 三包有效期 (Order 43 Art. 24, Order 150's equivalents)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from claims.domain.statutory.cn_2013 import CN_2013
from claims.domain.statutory.cn_2022 import CN_2022
from claims.domain.statutory.facts import RepairVisit
from claims.domain.statutory.pack import Remedy, RulePack, evaluate
from claims.domain.vehicle.coverage_terms import ComponentGroup
from tests.unit.statutory.builders import days, on_day, repair, vehicle

ENGINE = ComponentGroup.ENGINE


def same_defect(count: int, *, last_odometer: int = 20_000) -> list[RepairVisit]:
    visits = [repair(f"RO-{i}", on_day(100 + 30 * i), odometer=5_000 + 1_000 * i) for i in range(1, count)]
    return [*visits, repair(f"RO-{count}", on_day(100 + 30 * count), odometer=last_odometer)]


@pytest.mark.parametrize(("pack", "repairs", "fires"), [
    (CN_2022, 4, False), (CN_2022, 5, True), (CN_2013, 5, False), (CN_2013, 6, True),
])  # fmt: skip
def test_the_same_defect_repaired_more_than_4_times_fires_from_2022_and_more_than_5_before(
    pack: RulePack[Any], repairs: int, fires: bool
) -> None:
    outcome = evaluate(pack, vehicle(*same_defect(repairs))).outcome("same_defect_repairs")
    assert (outcome.fired, outcome.facts["repairs"]) == (fires, str(repairs))


def test_a_repair_beyond_50000_km_is_outside_the_sanbao_period_and_not_counted() -> None:
    outcome = evaluate(CN_2022, vehicle(*same_defect(5, last_odometer=50_001))).outcome("same_defect_repairs")
    assert (outcome.fired, outcome.facts["repairs"]) == (False, "4")


def two_repairs_of(first: int, second: int) -> list[RepairVisit]:
    return [
        repair("RO-1", on_day(100), duration=days(first), defect_key="A/P0001"),
        repair("RO-2", on_day(200), duration=days(second), defect_key="B/P0002"),
    ]


@pytest.mark.parametrize(("pack", "second", "fires"), [
    (CN_2022, 15, False), (CN_2022, 16, True), (CN_2013, 20, False), (CN_2013, 21, True),
])  # fmt: skip
def test_cumulative_repair_time_over_30_days_fires_from_2022_and_over_35_before(
    pack: RulePack[Any], second: int, fires: bool
) -> None:
    outcome = evaluate(pack, vehicle(*two_repairs_of(15, second))).outcome("cumulative_days_out_of_service")
    assert (outcome.fired, outcome.facts["days"]) == (fires, str(15 + second))


def test_one_more_minute_of_repair_makes_30_days_into_31() -> None:
    visits = [
        repair("RO-1", on_day(100), duration=days(15), defect_key="A/P0001"),
        repair("RO-2", on_day(200), duration=days(15) + timedelta(minutes=1), defect_key="B/P0002"),
    ]
    outcome = evaluate(CN_2022, vehicle(*visits)).outcome("cumulative_days_out_of_service")
    assert (outcome.fired, outcome.remedy, outcome.facts["days"]) == (True, Remedy.REPLACE_OR_REFUND, "31")


def safety_repair(visit_id: str, day: int, **overrides: Any) -> RepairVisit:
    fields: dict[str, Any] = {
        "component_group": ComponentGroup.STEERING,
        "serious_safety": True,
        "defect_key": "STR/C0051",
    }
    return repair(visit_id, on_day(day), **(fields | overrides))


def test_two_serious_safety_repairs_that_did_not_cure_the_fault_allow_replacement_or_refund() -> None:
    facts = vehicle(safety_repair("RO-1", 100), safety_repair("RO-2", 150, fault_remained=True))
    outcome = evaluate(CN_2022, facts).outcome("serious_safety_repairs")
    assert (outcome.fired, outcome.remedy) == (True, Remedy.REPLACE_OR_REFUND)


def test_two_serious_safety_repairs_that_cured_the_fault_allow_nothing_more() -> None:
    facts = vehicle(safety_repair("RO-1", 100), safety_repair("RO-2", 150))
    assert not evaluate(CN_2022, facts).outcome("serious_safety_repairs").fired


def test_a_new_serious_safety_fault_after_two_repairs_allows_replacement_or_refund() -> None:
    facts = vehicle(
        safety_repair("RO-1", 100), safety_repair("RO-2", 150),
        safety_repair("RO-3", 200, component_group=ComponentGroup.BRAKES, defect_key="BRK/C0040"),
    )  # fmt: skip
    outcome = evaluate(CN_2022, facts).outcome("serious_safety_repairs")
    assert (outcome.fired, outcome.facts["repairs"]) == (True, "3")


def test_an_engine_replaced_twice_and_still_failing_allows_replacement_or_refund() -> None:
    facts = vehicle(
        repair("RO-1", on_day(100), replaced_assembly=ENGINE),
        repair("RO-2", on_day(200), replaced_assembly=ENGINE),
        repair("RO-3", on_day(250)),
    )
    outcome = evaluate(CN_2022, facts).outcome("assembly_replaced_twice")
    assert (outcome.fired, outcome.facts) == (True, {"assembly": "ENGINE", "replacements": "2"})


def test_an_engine_replaced_twice_that_now_works_allows_nothing_more() -> None:
    facts = vehicle(
        repair("RO-1", on_day(100), replaced_assembly=ENGINE), repair("RO-2", on_day(200), replaced_assembly=ENGINE)
    )
    assert not evaluate(CN_2022, facts).outcome("assembly_replaced_twice").fired


def test_an_engine_swap_and_a_crankshaft_swap_are_not_added_together() -> None:
    facts = vehicle(
        repair("RO-1", on_day(100), replaced_assembly=ENGINE),
        repair("RO-2", on_day(200), replaced_main_part="crankshaft", fault_remained=True),
    )
    trace = evaluate(CN_2022, facts)
    assert not trace.outcome("assembly_replaced_twice").fired
    assert not trace.outcome("same_main_part_replaced_twice").fired


def test_the_same_brake_main_part_replaced_twice_and_still_failing_allows_replacement_or_refund() -> None:
    brake: dict[str, Any] = {
        "component_group": ComponentGroup.BRAKES,
        "replaced_main_part": "caliper",
        "defect_key": "BRK/C0040",
    }
    facts = vehicle(repair("RO-1", on_day(100), **brake), repair("RO-2", on_day(200), fault_remained=True, **brake))
    outcome = evaluate(CN_2022, facts).outcome("same_main_part_replaced_twice")
    assert (outcome.fired, outcome.facts) == (True, {"part": "BRAKES/caliper", "replacements": "2"})


def test_a_main_part_replaced_with_its_assembly_is_not_counted_again() -> None:
    facts = vehicle(
        repair("RO-1", on_day(100), replaced_assembly=ENGINE, replaced_main_part="crankshaft"),
        repair("RO-2", on_day(200), replaced_main_part="crankshaft", fault_remained=True),
    )
    outcome = evaluate(CN_2022, facts).outcome("same_main_part_replaced_twice")
    assert (outcome.fired, outcome.facts["replacements"]) == (False, "ENGINE/crankshaft: 1")


def test_a_pollution_control_main_part_counts_only_from_2022() -> None:
    part: dict[str, Any] = {
        "component_group": ComponentGroup.POLLUTION_CONTROL,
        "replaced_main_part": "catalyst",
        "defect_key": "CAT/P0420",
    }
    facts = vehicle(repair("RO-1", on_day(100), **part), repair("RO-2", on_day(200), fault_remained=True, **part))
    assert evaluate(CN_2022, facts).outcome("same_main_part_replaced_twice").fired
    assert not evaluate(CN_2013, facts).outcome("same_main_part_replaced_twice").fired
