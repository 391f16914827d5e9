"""Whether a coverage is in force on a date at an odometer reading: time and distance, whichever first."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from claims.domain.base import Frozen
from claims.domain.calendar import last_day_of_period
from claims.domain.errors import FieldViolation, InvalidCommandError
from claims.domain.values import Distance, DistanceUnit
from claims.domain.vehicle.coverage_terms import Coverage, Period, WearPart
from claims.domain.vehicle.state import Vehicle


class InForce(StrEnum):
    """Why a coverage is, or is not, in force."""

    IN_FORCE = "IN_FORCE"
    NOT_STARTED = "NOT_STARTED"
    EXPIRED_BY_TIME = "EXPIRED_BY_TIME"
    EXPIRED_BY_DISTANCE = "EXPIRED_BY_DISTANCE"


class PeriodStatus(Frozen):
    """A period evaluated on a date at a reading."""

    state: InForce
    ends_on: date
    distance_used: Decimal
    distance_remaining: Decimal | None

    @property
    def in_force(self) -> bool:
        return self.state == InForce.IN_FORCE


class WearPartStatus(Frozen):
    """A wear part's own period, evaluated."""

    part: WearPart
    status: PeriodStatus


class CoverageStatus(Frozen):
    """A coverage evaluated on a date at a reading."""

    coverage_id: UUID
    code: str
    status: PeriodStatus
    wear_parts: tuple[WearPartStatus, ...]


def evaluate_period(period: Period, starts_on: date, start: Distance, on: date, odometer: Distance) -> PeriodStatus:
    """In force from ``starts_on`` through the day before the anniversary, up to and including the limit."""
    ends_on = last_day_of_period(starts_on, period.months)
    # A period without a usage limit says nothing about units: measure usage as the odometer does.
    unit = period.distance_unit if period.distance_limit is not None else odometer.unit
    used = max(Decimal(0), odometer.to(unit) - start.to(unit))
    remaining = None if period.distance_limit is None else max(Decimal(0), period.distance_limit - used)
    if on < starts_on:
        state = InForce.NOT_STARTED
    elif on > ends_on:
        state = InForce.EXPIRED_BY_TIME
    elif period.distance_limit is not None and used > period.distance_limit:
        state = InForce.EXPIRED_BY_DISTANCE
    else:
        state = InForce.IN_FORCE
    return PeriodStatus(state=state, ends_on=ends_on, distance_used=used, distance_remaining=remaining)


def coverage_status(coverage: Coverage, on: date, odometer: Distance) -> CoverageStatus:
    """Evaluate a coverage and each of its wear-part periods."""
    start = coverage.start_odometer
    return CoverageStatus(
        coverage_id=coverage.coverage_id,
        code=coverage.code,
        status=evaluate_period(coverage.period, coverage.starts_on, start, on, odometer),
        wear_parts=tuple(
            WearPartStatus(part=w.part, status=evaluate_period(w.period, coverage.starts_on, start, on, odometer))
            for w in coverage.wear_parts
        ),
    )


class VehicleStatus(Frozen):
    """A vehicle with each coverage evaluated on a date at a reading."""

    vehicle: Vehicle
    on: date
    odometer: Distance
    coverages: tuple[CoverageStatus, ...]


def vehicle_status(vehicle: Vehicle, on: date, odometer: Distance | None) -> VehicleStatus:
    """Evaluate every coverage; without a reading, the latest one recorded by ``on`` is used."""
    reading = odometer if odometer is not None else vehicle.odometer_on(on)
    if (reading.unit == DistanceUnit.HOURS) != (vehicle.odometer_at_delivery.unit == DistanceUnit.HOURS):
        raise InvalidCommandError(
            [
                FieldViolation(
                    "odometer.unit", f"{vehicle.identifier} measures usage in {vehicle.odometer_at_delivery.unit}"
                )
            ]
        )
    return VehicleStatus(
        vehicle=vehicle,
        on=on,
        odometer=reading,
        coverages=tuple(coverage_status(c, on, reading) for c in vehicle.coverages),
    )
