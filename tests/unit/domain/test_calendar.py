"""Month arithmetic for coverage periods."""

from __future__ import annotations

from datetime import date

from claims.domain.calendar import add_months, last_day_of_period


def test_adding_months_clamps_to_the_end_of_a_shorter_month() -> None:
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2023, 1, 31), 1) == date(2023, 2, 28)


def test_a_period_ends_the_day_before_its_anniversary() -> None:
    assert last_day_of_period(date(2025, 1, 12), 36) == date(2028, 1, 11)
    assert last_day_of_period(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert last_day_of_period(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert last_day_of_period(date(2024, 1, 29), 1) == date(2024, 2, 28)
