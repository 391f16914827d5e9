"""Statutory windows ("60 days or 3,000 km, whichever first") and count thresholds ("more than 4")."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Self

from pydantic import Field, model_validator

from claims.domain.base import Frozen
from claims.domain.calendar import last_day_of_period
from claims.domain.errors import FieldValueError
from claims.domain.values import Distance, DistanceUnit

ZERO = Decimal(0)


def percent(fraction: Decimal) -> str:
    """``Decimal("0.005")`` as ``"0.5%"``."""
    text = format(fraction * 100, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}%"


def day_number(start: date, on: date) -> int:
    """Which day of a period ``on`` is: the start date is day 1.

    The same convention as ``calendar.last_day_of_period`` (a period runs from its start through the day
    before the anniversary), so "day 365" is the last day of a one-year period.
    """
    return (on - start).days + 1


class Threshold(Frozen):
    """A count a statute compares against: "at least 4" (inclusive) or "more than 30" (exclusive)."""

    value: int = Field(ge=0)
    inclusive: bool

    def met(self, count: int) -> bool:
        return count >= self.value if self.inclusive else count > self.value

    def __str__(self) -> str:
        return f"{'≥' if self.inclusive else '>'} {self.value}"


def at_least(value: int) -> Threshold:
    return Threshold(value=value, inclusive=True)


def more_than(value: int) -> Threshold:
    return Threshold(value=value, inclusive=False)


class Window(Frozen):
    """A period from a start in months or days, and optionally a distance: whichever is reached first ends it.

    Both limits are inclusive: the last day and exactly the distance are still inside. With
    ``odometer_from_zero`` the distance is the odometer reading itself (CA 1793.22(b): "18,000 miles on
    the odometer"), otherwise the distance driven since the start reading.
    """

    months: int | None = Field(default=None, ge=1)
    days: int | None = Field(default=None, ge=1)
    distance: Decimal | None = Field(default=None, gt=0, allow_inf_nan=False)
    unit: DistanceUnit = DistanceUnit.KM
    odometer_from_zero: bool = False

    @model_validator(mode="after")
    def _one_length(self) -> Self:
        if (self.months is None) == (self.days is None):
            raise FieldValueError("months", "a window is given in months or in days, not both")
        return self

    def last_day(self, start: date) -> date:
        if self.months is not None:
            return last_day_of_period(start, self.months)
        return start + timedelta(days=(self.days or 1) - 1)

    def distance_into(self, start_reading: Distance, reading: Distance) -> Decimal:
        """How far into the window a reading is, in the window's unit."""
        if self.odometer_from_zero:
            return reading.to(self.unit)
        return max(ZERO, reading.to(self.unit) - start_reading.to(self.unit))

    def contains(self, start: date, start_reading: Distance, on: date, reading: Distance) -> bool:
        """Whether a day and reading lie inside the window opened on ``start`` at ``start_reading``."""
        if not start <= on <= self.last_day(start):
            return False
        return self.distance is None or self.distance_into(start_reading, reading) <= self.distance

    def __str__(self) -> str:
        length = f"{self.months} months" if self.months is not None else f"{self.days} days"
        if self.distance is None:
            return length
        return f"{length} or {self.distance:,} {self.unit.lower()}"
