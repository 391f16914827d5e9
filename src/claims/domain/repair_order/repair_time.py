"""Repair-time arithmetic of CN Order 43 Art. 40: hours from agreed to completed, less excluded pauses."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from claims.domain.repair_order.values import RepairPause

DAY = timedelta(hours=24)
HOUR_SECONDS = Decimal(3600)


def excluded_time(opened_at: datetime, closed_at: datetime, pauses: Iterable[RepairPause]) -> timedelta:
    """The time inside the repair covered by pauses, overlaps counted once."""
    clipped = sorted(
        (max(p.started_at, opened_at), min(p.ended_at, closed_at))
        for p in pauses
        if p.ended_at > opened_at and p.started_at < closed_at
    )
    total, cursor = timedelta(0), opened_at
    for start, end in clipped:
        start = max(start, cursor)
        if end > start:
            total += end - start
            cursor = end
    return total


def repair_time(opened_at: datetime, closed_at: datetime, pauses: Iterable[RepairPause] = ()) -> timedelta:
    """A single repair time: from repair agreed (opened) to completed (closed), excluded pauses subtracted."""
    return max(timedelta(0), closed_at - opened_at - excluded_time(opened_at, closed_at, pauses))


def days_out_of_service(time: timedelta) -> int:
    """Every full 24 h is one day and a remainder under 24 h counts as one more (130 h → 6, 120 h → 5)."""
    full_days, remainder = divmod(time, DAY)
    return int(full_days) + (1 if remainder > timedelta(0) else 0)


def hours(time: timedelta) -> Decimal:
    """``time`` in hours, to the hundredth (for display; days are derived from the exact time)."""
    seconds = Decimal(time // timedelta(microseconds=1)) / Decimal(1_000_000)
    return (seconds / HOUR_SECONDS).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
