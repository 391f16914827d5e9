"""Courtesy-car compensation (CN Order 43 Art. 21): a single repair over 5 days owes the rate from day 6."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from claims.domain.statutory_case.commands import ReevaluateCase
from claims.domain.statutory_case.events import CourtesyCarCompensationOwed, EligibilityDetermined
from claims.domain.values import DistanceUnit
from tests.unit.domain.claim_builders import VIN
from tests.unit.statutory_case.builders import (
    FIVE_REPAIRS,
    RATE,
    at,
    ca_vehicle,
    cny,
    context,
    of_type,
    record,
    run,
    state,
    visit,
    when,
)

CN = context()
OPENED = date(2026, 3, 2)


def owed(hours: float, **overrides: Any) -> list[CourtesyCarCompensationOwed]:
    return of_type(when(None, record(visit(1, OPENED, hours=hours, **overrides)), CN), CourtesyCarCompensationOwed)


def test_a_single_repair_of_130_hours_is_6_days_and_owes_one_day_at_the_rate() -> None:
    (compensation,) = owed(130)
    assert compensation.model_dump(exclude={"explanation"}) == {
        "visit_id": "D042/RO-1",
        "days_owed": 1,
        "daily_rate": RATE.model_dump(),
        "amount": cny("300.00").model_dump(),
        "rule": "courtesy_car",
        "pack_id": "CN-2022",
        "pack_version": "1",
    }
    assert compensation.explanation.endswith("from day 6; D042/RO-1: 1 × 300.00 CNY = 300.00 CNY")


def test_a_single_repair_of_exactly_120_hours_is_5_days_and_owes_nothing() -> None:
    events = when(None, record(visit(1, OPENED, hours=120)), CN)
    assert of_type(events, CourtesyCarCompensationOwed) == []
    assert of_type(events, EligibilityDetermined) == []  # nothing fired, nothing to record


def test_one_minute_over_120_hours_is_day_6_and_owes_one_day() -> None:
    (compensation,) = owed(120 + 1 / 60)
    assert (compensation.days_owed, compensation.amount) == (1, cny("300.00"))


def test_a_repair_of_8_days_owes_3_days() -> None:
    (compensation,) = owed(24 * 8)
    assert (compensation.days_owed, compensation.amount) == (3, cny("900.00"))


def test_waiting_for_parts_counts_toward_the_courtesy_car_though_art_24_leaves_it_out() -> None:
    start = at(OPENED)
    pause = ((start + timedelta(hours=10), start + timedelta(hours=30)),)
    (compensation,) = owed(130, pauses=pause)
    assert compensation.days_owed == 1


def test_each_visit_is_compensated_once_as_its_repair_is_recorded() -> None:
    _, produced = run([record(v) for v in FIVE_REPAIRS], CN)
    per_visit = [
        [(c.visit_id, c.days_owed) for c in of_type(events, CourtesyCarCompensationOwed)] for events in produced
    ]
    assert per_visit == [
        [("D042/RO-1", 2)],
        [("D042/RO-2", 1)],
        [("D042/RO-3", 1)],
        [("D042/RO-4", 1)],
        [("D042/RO-5", 1)],
    ]


def test_the_rule_fires_without_a_committed_rate_but_nothing_is_owed_until_one_is_given() -> None:
    no_rate = context(courtesy_car_daily_rate=None)
    case, (events,) = run([record(visit(1, OPENED, hours=130))], no_rate)
    assert of_type(events, CourtesyCarCompensationOwed) == []
    assert of_type(events, EligibilityDetermined)[0].rules_fired == ("courtesy_car",)
    later = when(case, ReevaluateCase(vin=VIN), CN)
    assert [(type(e), getattr(e, "amount", None)) for e in later] == [(CourtesyCarCompensationOwed, cny("300.00"))]


def test_reevaluating_after_the_compensation_was_recorded_owes_nothing_more() -> None:
    case = state([record(visit(1, OPENED, hours=130))], CN)
    assert len(case.compensations) == 1
    assert when(case, ReevaluateCase(vin=VIN), CN) == []


def test_no_compensation_is_owed_after_the_repair_warranty_ended() -> None:
    assert owed(200, odometer=60_001) == []


def test_a_pack_without_a_courtesy_car_rule_owes_none() -> None:
    long = visit(1, date(2025, 3, 3), hours=24 * 10, odometer=3_000, unit=DistanceUnit.MI)
    events = when(None, record(long), context(ca_vehicle(), courtesy_car_daily_rate=RATE))
    assert of_type(events, CourtesyCarCompensationOwed) == []
