"""Working-day arithmetic with configurable public holidays and make-up working days (调休)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta

SATURDAY = 5


def is_working_day(day: date, holidays: Collection[date] = (), make_up_days: Collection[date] = ()) -> bool:
    """Monday to Friday unless a holiday; a weekend day only when declared a make-up working day."""
    if day in holidays:
        return False
    return day.weekday() < SATURDAY or day in make_up_days


def add_working_days(start: date, n: int, holidays: Collection[date] = (), make_up_days: Collection[date] = ()) -> date:
    """The ``n``-th working day after ``start`` (the start day itself is not counted; ``n = 0`` is ``start``)."""
    if n < 0:
        raise ValueError("n counts working days forward and cannot be negative")
    day, counted = start, 0
    while counted < n:
        day += timedelta(days=1)
        if is_working_day(day, holidays, make_up_days):
            counted += 1
    return day
