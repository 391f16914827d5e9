"""A service commitment's shape: a metric's clock (start, pause, stop events), its due time, and the breach.

One SLA projector evaluates them all; statutory timers and a seller's own promises have the same shape.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Self

from pydantic import Field, model_validator

from claims.domain.base import Frozen
from claims.domain.errors import FieldValueError
from claims.domain.statutory.working_days import add_working_days
from claims.domain.values import Money


class DueUnit(StrEnum):
    """What the due amount counts: elapsed hours, calendar days or working days."""

    HOURS = "HOURS"
    CALENDAR_DAYS = "CALENDAR_DAYS"
    WORKING_DAYS = "WORKING_DAYS"


class DeemedOutcome(StrEnum):
    """What a breach makes true without anyone deciding it."""

    APPROVED = "APPROVED"
    OVERDUE = "OVERDUE"
    COURTESY_CAR_OWED = "COURTESY_CAR_OWED"
    REFUND_MAY_BE_DEMANDED = "REFUND_MAY_BE_DEMANDED"


class Breach(Frozen):
    """The consequence of missing the due time: a fixed compensation or a deemed outcome."""

    compensation: Money | None = None
    deemed: DeemedOutcome | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if (self.compensation is None) == (self.deemed is None):
            raise FieldValueError("compensation", "a breach pays a compensation or deems an outcome, not both")
        return self


class Commitment(Frozen):
    """A timer on a metric: starts, pauses and stops on event kinds; due after an amount of a unit."""

    code: str
    description: str
    source: str
    jurisdictions: tuple[str, ...]  # empty: a seller's own promise, wherever it is made
    product_class: str
    metric: str
    start_on: tuple[str, ...]
    stop_on: tuple[str, ...]
    pause_on: tuple[str, ...] = ()
    resume_on: tuple[str, ...] = ()
    due: int = Field(ge=1)
    unit: DueUnit
    breach: Breach


def due_by(commitment: Commitment, started_at: datetime, holidays: Collection[date] = ()) -> datetime:
    """The last moment the commitment is met, before any pause: an instant for hours, else the due day's end."""
    if commitment.unit == DueUnit.HOURS:
        return started_at + timedelta(hours=commitment.due)
    start = started_at.date()
    if commitment.unit == DueUnit.WORKING_DAYS:
        day = add_working_days(start, commitment.due, holidays)
    else:
        day = start + timedelta(days=commitment.due)
    return datetime.combine(day, time.max, tzinfo=started_at.tzinfo)


def is_breached(
    commitment: Commitment,
    started_at: datetime,
    at: datetime,
    *,
    stopped_at: datetime | None = None,
    paused: Iterable[tuple[datetime, datetime]] = (),
    holidays: Collection[date] = (),
) -> bool:
    """Whether the clock ran past the due time: stopped late, or still running at ``at`` past it.

    Paused time moves the due time on by its length.
    """
    end = stopped_at or at
    pause = sum((min(e, end) - max(s, started_at) for s, e in paused if e > started_at and s < end), timedelta(0))
    return end - pause > due_by(commitment, started_at, holidays)
