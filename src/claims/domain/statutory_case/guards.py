"""The refusals every case decision shares: unknown case, wrong context, dates in the future or out of order."""

from __future__ import annotations

from datetime import date, datetime

from claims.domain.errors import (
    FieldViolation,
    InvalidCommandError,
    NotFoundError,
    PreconditionFailedError,
)
from claims.domain.statutory_case.commands import CaseRef
from claims.domain.statutory_case.context import CaseContext
from claims.domain.statutory_case.state import StatutoryCase
from claims.domain.values import Distance, DistanceUnit


def existing(case: StatutoryCase | None, command: CaseRef) -> StatutoryCase:
    if case is None:
        raise NotFoundError(f"vehicle {command.vin} has no statutory case", metadata={"vin": command.vin})
    return case


def refuse(case: StatutoryCase, reason: str, message: str, **metadata: str) -> PreconditionFailedError:
    """A refusal because of the case's state, naming the vehicle."""
    return PreconditionFailedError.refusal(
        reason, f"vehicles/{case.vin}/statutory-case", message, vin=case.vin, **metadata
    )


def check_context(command: CaseRef, ctx: CaseContext) -> None:
    """The application passed the command's vehicle and a pack for its jurisdiction (a programming error if not)."""
    vehicle = ctx.vehicle
    if vehicle.identifier != command.vin:
        raise ValueError(f"the context holds vehicle {vehicle.identifier}, the command names {command.vin}")
    if not ctx.pack.covers(vehicle.jurisdiction):
        raise ValueError(f"{ctx.pack.label} does not govern a vehicle sold in {vehicle.jurisdiction}")


def invalid(field: str, description: str) -> InvalidCommandError:
    return InvalidCommandError([FieldViolation(field, description)])


def check_moment(field: str, moment: datetime, ctx: CaseContext, *, not_before: datetime | None = None) -> None:
    """An instant that is not in the future nor before ``not_before``."""
    if ctx.is_future(moment):
        raise invalid(field, f"{moment.isoformat()} is in the future")
    if not_before is not None and moment < not_before:
        raise invalid(field, f"{moment.isoformat()} is before {not_before.isoformat()}")


def check_day(field: str, day: date, ctx: CaseContext, *, not_before: date) -> None:
    """A date between ``not_before`` and the latest date it can be anywhere now."""
    if day > ctx.latest_local_date:
        raise invalid(field, f"{day.isoformat()} is in the future")
    if day < not_before:
        raise invalid(field, f"{day.isoformat()} is before {not_before.isoformat()}")


def check_reading(field: str, reading: Distance, ctx: CaseContext, *, not_below: Distance | None = None) -> None:
    """A reading in the vehicle's kind of unit (distance or hours), not below ``not_below``."""
    unit = ctx.vehicle.odometer_at_delivery.unit
    if (reading.unit == DistanceUnit.HOURS) != (unit == DistanceUnit.HOURS):
        raise invalid(f"{field}.unit", f"the vehicle measures usage in {unit}")
    if not_below is not None and reading.to(unit) < not_below.to(unit):
        raise invalid(field, f"{reading} is below the latest reading, {not_below}")
