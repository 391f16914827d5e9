"""A service commitment's shape: a metric's clock (start, pause, stop events), its due time, and the breach.

One SLA projector evaluates them all; statutory timers and a seller's own promises have the same shape.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date, datetime, time, timedelta, tzinfo
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


COMPENSATION = "COMPENSATION"


class Breach(Frozen):
    """The consequence of missing the due time: a fixed compensation or a deemed outcome."""

    compensation: Money | None = None
    deemed: DeemedOutcome | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if (self.compensation is None) == (self.deemed is None):
            raise FieldValueError("compensation", "a breach pays a compensation or deems an outcome, not both")
        return self

    @property
    def consequence(self) -> str:
        """The deemed outcome's name, or COMPENSATION."""
        return self.deemed.value if self.deemed is not None else COMPENSATION


class Condition(Frozen):
    """An event of ``topic`` counts for a commitment only when its ``field`` holds one of ``one_of``.

    Values compare as the event stores them (JSON: enums by value, booleans as booleans).
    """

    topic: str
    field: str
    one_of: tuple[str | bool | int, ...] = Field(min_length=1)

    def holds(self, event: Frozen) -> bool:
        return event.model_dump(mode="json", include={self.field}).get(self.field) in self.one_of


class Commitment(Frozen):
    """A timer on a metric: starts, pauses and stops on event kinds; due after an amount of a unit.

    ``conditions`` narrow the events that count (a payment clock starts on an approving decision only).
    ``due_recorded_as`` names the start event's field holding the due day when the decision that started
    the clock recorded it (with the holidays then in force): that recorded day is used, never recomputed.
    """

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
    conditions: tuple[Condition, ...] = ()
    due: int = Field(ge=1)
    unit: DueUnit
    due_recorded_as: str | None = None
    breach: Breach

    @property
    def topics(self) -> frozenset[str]:
        """Every event topic this commitment names."""
        return frozenset((*self.start_on, *self.stop_on, *self.pause_on, *self.resume_on))

    def counts(self, topic: str, event: Frozen) -> bool:
        """Whether ``event`` (stored under ``topic``) meets the conditions set on its topic."""
        return all(c.holds(event) for c in self.conditions if c.topic == topic)

    def covers(self, jurisdiction: str) -> bool:
        """Whether the commitment holds in ``jurisdiction`` ("CN" covers "CN-31"; no jurisdictions: anywhere)."""
        return not self.jurisdictions or any(
            jurisdiction == j or jurisdiction.startswith(f"{j}-") for j in self.jurisdictions
        )

    def applies_to(self, jurisdiction: str, product_class: str) -> bool:
        """Whether the commitment binds a subject of ``product_class`` in ``jurisdiction``."""
        return self.product_class in ("ANY", product_class) and self.covers(jurisdiction)


def due_by(commitment: Commitment, started_at: datetime, holidays: Collection[date] = ()) -> datetime:
    """The last moment the commitment is met, before any pause: an instant for hours, else the due day's end."""
    if commitment.unit == DueUnit.HOURS:
        return started_at + timedelta(hours=commitment.due)
    start = started_at.date()
    if commitment.unit == DueUnit.WORKING_DAYS:
        day = add_working_days(start, commitment.due, holidays)
    else:
        day = start + timedelta(days=commitment.due)
    return end_of_day(day, started_at.tzinfo)


def end_of_day(day: date, zone: tzinfo | None) -> datetime:
    """The last instant of ``day`` in ``zone``: a commitment due on a day is met until that day ends."""
    return datetime.combine(day, time.max, tzinfo=zone)


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
