"""Facts the packs read, and CN Art. 40 day arithmetic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from claims.domain.statutory.facts import statutory_days
from claims.domain.values import DistanceUnit
from tests.unit.statutory.builders import DELIVERED, on_day, repair, vehicle

AGREED = datetime(2022, 5, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("elapsed", "expected"),
    [
        (timedelta(0), 0),
        (timedelta(minutes=1), 1),
        (timedelta(hours=24), 1),
        (timedelta(hours=24, minutes=1), 2),
        (timedelta(hours=120), 5),
        (timedelta(hours=120, minutes=1), 6),
        (timedelta(hours=130), 6),
    ],
)
def test_every_full_24_hours_is_a_day_and_a_remainder_counts_as_one_more(elapsed: timedelta, expected: int) -> None:
    assert statutory_days(AGREED, AGREED + elapsed) == expected


def test_an_excluded_pause_is_taken_out_of_the_repair_time() -> None:
    pause = (AGREED + timedelta(hours=10), AGREED + timedelta(hours=30))
    assert statutory_days(AGREED, AGREED + timedelta(hours=130), [pause]) == 5  # 110 h


def test_overlapping_pauses_count_once_and_pause_time_outside_the_repair_is_ignored() -> None:
    pauses = [
        (AGREED - timedelta(hours=5), AGREED + timedelta(hours=2)),  # 2 h inside
        (AGREED + timedelta(hours=10), AGREED + timedelta(hours=20)),
        (AGREED + timedelta(hours=15), AGREED + timedelta(hours=22)),  # overlaps: 10 → 22 is 12 h
        (AGREED + timedelta(hours=200), AGREED + timedelta(hours=210)),  # after completion
    ]
    assert statutory_days(AGREED, AGREED + timedelta(hours=62), pauses) == 2  # 62 − 14 = 48 h


def test_visits_are_kept_in_the_order_they_opened() -> None:
    facts = vehicle(repair("RO-2", on_day(20)), repair("RO-1", on_day(10)))
    assert [v.visit_id for v in facts.visits] == ["RO-1", "RO-2"]


def test_a_visit_that_closes_before_it_opens_is_refused() -> None:
    with pytest.raises(ValidationError, match="closes after it opens"):
        repair("RO-1", on_day(10), duration=timedelta(hours=-1))


def test_readings_in_another_unit_than_the_vehicles_are_refused() -> None:
    with pytest.raises(ValidationError, match="readings are in KM"):
        vehicle(repair("RO-1", on_day(10), unit=DistanceUnit.MI))


def test_a_visit_after_the_facts_date_is_refused() -> None:
    with pytest.raises(ValidationError, match="opens after the facts' date"):
        vehicle(repair("RO-1", on_day(10)), as_of=DELIVERED)
