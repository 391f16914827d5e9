"""CN Order 43 Art. 40 repair-time arithmetic: hours, pauses excluded, every started 24 h is a day."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from claims.domain.repair_order.repair_time import days_out_of_service, excluded_time, hours, repair_time
from claims.domain.repair_order.values import PauseKind, RepairPause
from tests.unit.domain.claim_builders import OPENED_AT


def pause(start_h: float, end_h: float, kind: PauseKind = PauseKind.POWER_BATTERY_TRANSPORT) -> RepairPause:
    return RepairPause(
        kind=kind, started_at=OPENED_AT + timedelta(hours=start_h), ended_at=OPENED_AT + timedelta(hours=end_h)
    )


@pytest.mark.parametrize(
    ("duration", "days"),
    [
        (timedelta(0), 0),
        (timedelta(minutes=1), 1),
        (timedelta(hours=23, minutes=59), 1),
        (timedelta(hours=24), 1),
        (timedelta(hours=24, minutes=1), 2),
        (timedelta(hours=120), 5),
        (timedelta(hours=120, minutes=1), 6),
        (timedelta(hours=120, seconds=1), 6),
        (timedelta(hours=130), 6),
        (timedelta(hours=144), 6),
        (timedelta(hours=144, minutes=1), 7),
    ],
)
def test_every_full_24_hours_is_a_day_and_a_remainder_counts_as_one_more(duration: timedelta, days: int) -> None:
    assert days_out_of_service(duration) == days


def test_repair_time_runs_from_opening_to_closing() -> None:
    assert repair_time(OPENED_AT, OPENED_AT + timedelta(hours=130)) == timedelta(hours=130)


def test_an_excluded_pause_is_subtracted() -> None:
    time = repair_time(OPENED_AT, OPENED_AT + timedelta(hours=130), [pause(10, 20)])
    assert time == timedelta(hours=120)
    assert days_out_of_service(time) == 5


def test_overlapping_pauses_are_subtracted_once() -> None:
    pauses = [pause(10, 20), pause(15, 25, PauseKind.ROADSIDE_RESCUE_TRAVEL)]
    assert excluded_time(OPENED_AT, OPENED_AT + timedelta(hours=130), pauses) == timedelta(hours=15)


def test_a_pause_is_clipped_to_the_repair() -> None:
    closed = OPENED_AT + timedelta(hours=30)
    assert excluded_time(OPENED_AT, closed, [pause(-5, 5), pause(25, 40)]) == timedelta(hours=10)


def test_pauses_covering_the_whole_repair_leave_no_repair_time() -> None:
    assert repair_time(OPENED_AT, OPENED_AT + timedelta(hours=5), [pause(-1, 6)]) == timedelta(0)


def test_hours_are_shown_to_the_hundredth() -> None:
    assert hours(timedelta(hours=120, minutes=1)) == Decimal("120.02")
    assert hours(timedelta(hours=130, minutes=30)) == Decimal("130.50")
