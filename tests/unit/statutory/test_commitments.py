"""Service commitments as data, and the working-day calendar they count with."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from claims.domain.statutory.commitments import (
    COMMITMENTS,
    DeemedOutcome,
    DueUnit,
    add_working_days,
    commitment,
    due_by,
    is_breached,
)
from claims.domain.statutory.working_days import is_working_day
from claims.domain.values import Money

THURSDAY = date(2025, 5, 29)
MONDAY_HOLIDAY = date(2025, 6, 2)


def test_two_working_days_from_a_thursday_skip_the_weekend() -> None:
    assert add_working_days(THURSDAY, 2) == date(2025, 6, 2)


def test_a_configured_holiday_is_skipped_too() -> None:
    assert add_working_days(THURSDAY, 2, holidays={MONDAY_HOLIDAY}) == date(2025, 6, 3)


def test_a_declared_make_up_saturday_is_a_working_day() -> None:
    saturday = date(2025, 5, 31)
    assert add_working_days(THURSDAY, 2, holidays={MONDAY_HOLIDAY}, make_up_days={saturday}) == saturday
    assert not is_working_day(saturday)


def test_zero_working_days_is_the_start_and_negative_ones_are_refused() -> None:
    assert add_working_days(THURSDAY, 0) == THURSDAY
    with pytest.raises(ValueError, match="negative"):
        add_working_days(THURSDAY, -1)


PACIFIC = timezone(timedelta(hours=-8))
FILED = datetime(2026, 3, 2, 10, 0, tzinfo=PACIFIC)  # day 30 is 2026-04-01


@pytest.mark.parametrize(
    ("decided_at", "breached"),
    [(datetime(2026, 4, 1, 23, 59, tzinfo=PACIFIC), False), (datetime(2026, 4, 2, 0, 1, tzinfo=PACIFIC), True)],
)
def test_a_california_dealer_claim_undecided_after_day_30_is_deemed_approved(
    decided_at: datetime, breached: bool
) -> None:
    decision = commitment("US-CA-CLAIM-DECISION")
    assert is_breached(decision, FILED, decided_at, stopped_at=decided_at) is breached
    assert decision.breach.deemed == DeemedOutcome.APPROVED


def test_a_claim_still_open_is_breached_only_once_the_due_day_has_passed() -> None:
    decision = commitment("US-NY-CLAIM-DECISION")
    assert not is_breached(decision, FILED, datetime(2026, 3, 20, tzinfo=PACIFIC))
    assert is_breached(decision, FILED, datetime(2026, 4, 2, 9, tzinfo=PACIFIC))


def test_dealer_claim_clocks_are_30_days_for_cars_and_45_for_equipment_and_payment_30_days() -> None:
    due = {c.code: (c.due, c.unit) for c in COMMITMENTS}
    assert due["US-CA-CLAIM-DECISION"] == due["US-NY-CLAIM-DECISION"] == (30, DueUnit.CALENDAR_DAYS)
    assert due["US-EQUIPMENT-CLAIM-DECISION"] == (45, DueUnit.CALENDAR_DAYS)
    assert due["US-CA-CLAIM-PAYMENT"] == due["US-NY-CLAIM-PAYMENT"] == (30, DueUnit.CALENDAR_DAYS)


def test_a_cn_replace_or_refund_request_is_answered_within_10_working_days_around_a_holiday() -> None:
    received = datetime(2025, 5, 29, 15, 0, tzinfo=UTC)  # Thursday
    answer = commitment("CN-REPLACE-REFUND-ANSWER")
    assert due_by(answer, received, {MONDAY_HOLIDAY}).date() == date(2025, 6, 13)
    assert due_by(answer, received).date() == date(2025, 6, 12)


def test_a_cn_replacement_not_completed_in_20_working_days_lets_the_consumer_demand_a_refund() -> None:
    completion = commitment("CN-REPLACE-REFUND-COMPLETION")
    requested = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)  # Monday; 20 working days later is Monday 2025-03-31
    assert not is_breached(completion, requested, datetime(2025, 3, 31, 18, 0, tzinfo=UTC))
    assert is_breached(completion, requested, datetime(2025, 4, 1, 9, 0, tzinfo=UTC))
    assert completion.breach.deemed == DeemedOutcome.REFUND_MAY_BE_DEMANDED


@pytest.mark.parametrize(("elapsed", "owed"), [(timedelta(hours=120), False), (timedelta(hours=120, minutes=1), True)])
def test_the_courtesy_car_is_owed_once_a_repair_runs_past_120_hours(elapsed: timedelta, owed: bool) -> None:
    opened = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
    courtesy = commitment("CN-COURTESY-CAR")
    assert is_breached(courtesy, opened, opened + elapsed, stopped_at=opened + elapsed) is owed
    assert courtesy.breach.deemed == DeemedOutcome.COURTESY_CAR_OWED


def test_a_seller_repair_late_past_48_hours_pays_the_fixed_compensation_unless_paused() -> None:
    opened = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
    promise = commitment("SELLER-REPAIR-48H")
    done = opened + timedelta(hours=49)
    assert is_breached(promise, opened, done, stopped_at=done)
    assert not is_breached(promise, opened, done, stopped_at=done, paused=[(opened, opened + timedelta(hours=2))])
    assert promise.breach.compensation == Money(amount=Decimal("200.00"), currency="CNY")
