"""Calendar arithmetic the rules share."""

from __future__ import annotations

import calendar
from datetime import date, timedelta


def add_months(start: date, months: int) -> date:
    """``start`` moved ``months`` calendar months on, clamped to the month's last day."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def last_day_of_period(start: date, months: int) -> date:
    """The last day a period of ``months`` starting on ``start`` is in force.

    The day before the anniversary; where the anniversary month has no such day (a period
    from 31 January or 29 February), the last day of that month.
    """
    anniversary = add_months(start, months)
    if anniversary.day < start.day:
        return anniversary
    return anniversary - timedelta(days=1)
