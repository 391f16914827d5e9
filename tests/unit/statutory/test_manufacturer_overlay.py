"""A manufacturer's overlay: engine internals 3 years / 80,000 km beyond the statute, wear parts' own periods."""

from __future__ import annotations

import pytest

from claims.domain.statutory.manufacturer_overlay import OEM_CN_SAMPLE
from claims.domain.statutory.pack import Remedy, evaluate
from claims.domain.vehicle.coverage_terms import ComponentGroup, WearPart
from tests.unit.statutory.builders import on_day, repair, vehicle


@pytest.mark.parametrize(("odometer", "fires"), [(80_000, True), (80_001, False)])
def test_engine_internals_are_covered_past_60000_km_up_to_80000_km(odometer: int, fires: bool) -> None:
    facts = vehicle(repair("RO-1", on_day(700), odometer=odometer, main_part="crankshaft"))
    outcome = evaluate(OEM_CN_SAMPLE, facts).outcome("extended_component_cover")
    assert (outcome.fired, outcome.remedy) == (fires, Remedy.REPAIR if fires else Remedy.NONE)


def test_while_the_statute_covers_a_component_the_overlay_adds_nothing() -> None:
    facts = vehicle(repair("RO-1", on_day(300), odometer=50_000, main_part="crankshaft"))
    outcome = evaluate(OEM_CN_SAMPLE, facts).outcome("extended_component_cover")
    assert not outcome.fired
    assert "statute still covers" in outcome.explanation


def test_an_engine_part_outside_the_internals_list_gets_no_longer_cover() -> None:
    facts = vehicle(repair("RO-1", on_day(700), odometer=70_000, main_part="alternator"))
    assert not evaluate(OEM_CN_SAMPLE, facts).outcome("extended_component_cover").fired


@pytest.mark.parametrize(("odometer", "fires"), [(5_000, True), (5_001, False)])
def test_a_filter_is_covered_for_3_months_or_5000_km(odometer: int, fires: bool) -> None:
    facts = vehicle(
        repair("RO-1", on_day(80), odometer=odometer, component_group=ComponentGroup.ENGINE, wear_part=WearPart.FILTERS)
    )
    assert evaluate(OEM_CN_SAMPLE, facts).outcome("wear_part_cover").fired is fires


def test_a_12_volt_battery_has_its_own_12_month_period() -> None:
    facts = vehicle(
        repair("RO-1", on_day(300), odometer=29_000, component_group=ComponentGroup.ELECTRICAL,
               wear_part=WearPart.BATTERY_12V),
    )  # fmt: skip
    outcome = evaluate(OEM_CN_SAMPLE, facts).outcome("wear_part_cover")
    assert (outcome.fired, outcome.facts["period"]) == (True, "12 months or 30,000 km")
