"""CN 三包 rules counted from the start: 7 days, 60 days / 3,000 km, and the courtesy car."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from claims.domain.statutory.cn_2013 import CN_2013
from claims.domain.statutory.cn_2022 import CN_2022
from claims.domain.statutory.facts import SafetyFailure
from claims.domain.statutory.pack import Remedy, evaluate
from claims.domain.vehicle.coverage_terms import ComponentGroup
from tests.unit.statutory.builders import on_day, repair, vehicle

ENGINE_MAIN_PART: dict[str, Any] = {"component_group": ComponentGroup.ENGINE, "main_part": "crankshaft"}
BATTERY_MAIN_PART: dict[str, Any] = {"component_group": ComponentGroup.POWER_BATTERY, "main_part": "cells"}


@pytest.mark.parametrize(("day", "fires"), [(7, True), (8, False)])
def test_an_engine_main_part_problem_on_day_7_allows_replacement_or_refund_and_on_day_8_does_not(
    day: int, fires: bool
) -> None:
    facts = vehicle(repair("RO-1", on_day(day), odometer=150, **ENGINE_MAIN_PART))
    outcome = evaluate(CN_2022, facts).outcome("seven_day_replace_or_refund")
    assert (outcome.fired, outcome.remedy) == (fires, Remedy.REPLACE_OR_REFUND if fires else Remedy.NONE)


def test_the_7_day_rule_is_off_under_cn_2013() -> None:
    facts = vehicle(repair("RO-1", on_day(3), odometer=150, **ENGINE_MAIN_PART))
    outcome = evaluate(CN_2013, facts).outcome("seven_day_replace_or_refund")
    assert not outcome.fired
    assert "no 7-day rule" in outcome.explanation


@pytest.mark.parametrize(("odometer", "fires"), [(3_000, True), (3_001, False)])
def test_a_battery_main_part_problem_within_3000_km_allows_an_assembly_swap(odometer: int, fires: bool) -> None:
    facts = vehicle(repair("RO-1", on_day(30), odometer=odometer, **BATTERY_MAIN_PART))
    outcome = evaluate(CN_2022, facts).outcome("assembly_swap_within_60_days")
    assert (outcome.fired, outcome.remedy) == (fires, Remedy.REPLACE if fires else Remedy.NONE)


@pytest.mark.parametrize(("day", "fires"), [(60, True), (61, False)])
def test_the_assembly_swap_window_is_60_days(day: int, fires: bool) -> None:
    facts = vehicle(repair("RO-1", on_day(day), odometer=500, **ENGINE_MAIN_PART))
    assert evaluate(CN_2022, facts).outcome("assembly_swap_within_60_days").fired is fires


def test_the_battery_is_no_assembly_under_cn_2013_but_the_engine_is() -> None:
    battery = vehicle(repair("RO-1", on_day(30), odometer=500, **BATTERY_MAIN_PART))
    engine = vehicle(repair("RO-1", on_day(30), odometer=500, **ENGINE_MAIN_PART))
    assert not evaluate(CN_2013, battery).outcome("assembly_swap_within_60_days").fired
    assert evaluate(CN_2013, engine).outcome("assembly_swap_within_60_days").fired


def test_a_problem_outside_any_main_part_allows_no_assembly_swap() -> None:
    facts = vehicle(repair("RO-1", on_day(3), odometer=100, component_group=ComponentGroup.ENGINE))
    trace = evaluate(CN_2022, facts)
    assert not trace.outcome("assembly_swap_within_60_days").fired
    assert not trace.outcome("seven_day_replace_or_refund").fired


@pytest.mark.parametrize(("odometer", "fires"), [(3_000, True), (3_001, False)])
def test_a_brake_failure_within_60_days_and_3000_km_allows_replacement_or_refund(odometer: int, fires: bool) -> None:
    facts = vehicle(
        repair("RO-1", on_day(45), odometer=odometer, component_group=ComponentGroup.BRAKES,
               serious_safety=True, safety_failure=SafetyFailure.BRAKE_FAILURE),
    )  # fmt: skip
    outcome = evaluate(CN_2022, facts).outcome("safety_failure_within_60_days")
    assert (outcome.fired, outcome.remedy) == (fires, Remedy.REPLACE_OR_REFUND if fires else Remedy.NONE)


def test_a_power_battery_fire_is_a_listed_failure_only_from_2022() -> None:
    facts = vehicle(
        repair("RO-1", on_day(20), odometer=800, component_group=ComponentGroup.POWER_BATTERY,
               serious_safety=True, safety_failure=SafetyFailure.POWER_BATTERY_FIRE),
    )  # fmt: skip
    assert evaluate(CN_2022, facts).outcome("safety_failure_within_60_days").fired
    assert not evaluate(CN_2013, facts).outcome("safety_failure_within_60_days").fired


def test_a_single_repair_of_120_hours_is_5_days_and_owes_no_courtesy_car() -> None:
    facts = vehicle(repair("RO-1", on_day(100), duration=timedelta(hours=120)))
    outcome = evaluate(CN_2022, facts).outcome("courtesy_car")
    assert not outcome.fired
    assert outcome.facts["longest_days"] == "5"


@pytest.mark.parametrize("duration", [timedelta(hours=120, minutes=1), timedelta(hours=130)])
def test_a_single_repair_over_120_hours_is_6_days_and_owes_a_courtesy_car_from_day_6(duration: timedelta) -> None:
    facts = vehicle(repair("RO-1", on_day(100), duration=duration))
    outcome = evaluate(CN_2022, facts).outcome("courtesy_car")
    assert (outcome.fired, outcome.remedy) == (True, Remedy.COURTESY_CAR)
    assert outcome.facts == {"visits": "RO-1 (6 days)", "owed_from_day": "6", "days_owed": "1"}


def test_waiting_for_parts_counts_towards_the_courtesy_car_though_not_towards_art_24_repair_time() -> None:
    opened = on_day(100)
    pause = (opened + timedelta(hours=10), opened + timedelta(hours=30))
    visit = repair("RO-1", opened, duration=timedelta(hours=130), pauses=(pause,))
    assert visit.days_out_of_service == 5
    assert evaluate(CN_2022, vehicle(visit)).outcome("courtesy_car").fired


def test_no_courtesy_car_is_owed_for_a_repair_after_the_repair_warranty_ended() -> None:
    facts = vehicle(repair("RO-1", on_day(400), odometer=60_001, duration=timedelta(hours=200)))
    assert not evaluate(CN_2022, facts).outcome("courtesy_car").fired
