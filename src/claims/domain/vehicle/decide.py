"""``decide``: what a vehicle command results in, given the vehicle's state and the context."""

from __future__ import annotations

from datetime import date

from claims.domain.calendar import last_day_of_period
from claims.domain.context import DecisionContext
from claims.domain.errors import (
    AlreadyExistsError,
    FieldViolation,
    InvalidCommandError,
    NotFoundError,
    PreconditionFailedError,
    PreconditionViolation,
)
from claims.domain.ids import coverage_id_for, vehicle_id_for
from claims.domain.jurisdictions import JURISDICTIONS
from claims.domain.values import Distance, DistanceUnit
from claims.domain.vehicle.commands import (
    AttachCoverage,
    LinkServiceContract,
    RecordOdometerReading,
    RegisterVehicle,
    TransferOwnership,
    VehicleCommand,
)
from claims.domain.vehicle.coverage_terms import Coverage, StartRule
from claims.domain.vehicle.events import (
    CoverageAttached,
    OdometerRecorded,
    OwnershipTransferred,
    ServiceContractLinked,
    VehicleEvent,
    VehicleRegistered,
)
from claims.domain.vehicle.state import Vehicle

EARLIEST_SALE = date(1981, 1, 1)


def decide(vehicle: Vehicle | None, command: VehicleCommand, ctx: DecisionContext) -> list[VehicleEvent]:
    """The events a command produces; raises when the request is impossible."""
    match command:
        case RegisterVehicle():
            return _register(vehicle, command, ctx)
        case AttachCoverage():
            return _attach(_existing(vehicle, command.identifier), command)
        case RecordOdometerReading():
            return _record_reading(_existing(vehicle, command.identifier), command, ctx)
        case TransferOwnership():
            return _transfer(_existing(vehicle, command.identifier), command, ctx)
        case LinkServiceContract():
            return _link_contract(_existing(vehicle, command.identifier), command)


def _existing(vehicle: Vehicle | None, identifier: str) -> Vehicle:
    if vehicle is None:
        raise NotFoundError(f"no vehicle or product {identifier} is registered", metadata={"identifier": identifier})
    return vehicle


def _register(vehicle: Vehicle | None, command: RegisterVehicle, ctx: DecisionContext) -> list[VehicleEvent]:
    if vehicle is not None:
        raise AlreadyExistsError(
            f"{command.identifier} is already registered", metadata={"identifier": command.identifier}
        )
    _check_sale_dates(command, ctx)
    fields = command.model_dump(exclude={"identifier_kind"})
    return [
        VehicleRegistered(
            **fields | {"vehicle_id": vehicle_id_for(command.identifier), "identifier_kind": command.identifier_kind}
        )
    ]


def _check_sale_dates(command: RegisterVehicle, ctx: DecisionContext) -> None:
    violations: list[FieldViolation] = []
    today = ctx.latest_local_date
    for name, value in (("invoice_date", command.invoice_date), ("delivery_date", command.delivery_date)):
        if value > today:
            violations.append(FieldViolation(name, f"{value} is in the future"))
        elif value < EARLIEST_SALE:
            violations.append(
                FieldViolation(name, f"{value} is before {EARLIEST_SALE}, the start of 17-character VINs")
            )
    tolerance = JURISDICTIONS[command.jurisdiction].max_delivery_before_invoice_days
    if (command.invoice_date - command.delivery_date).days > tolerance:  # no date arithmetic near year 1
        violations.append(
            FieldViolation(
                "delivery_date",
                f"delivery {command.delivery_date} is more than {tolerance} days before the invoice "
                f"{command.invoice_date}, which {command.jurisdiction} does not allow",
            )
        )
    if violations:
        raise InvalidCommandError(violations)


def _attach(vehicle: Vehicle, command: AttachCoverage) -> list[VehicleEvent]:
    if vehicle.coverage(command.code) is not None:
        raise AlreadyExistsError(
            f"coverage {command.code} is already attached to {vehicle.identifier}",
            metadata={"identifier": vehicle.identifier, "code": command.code},
        )
    _check_units_compatible(vehicle, command)
    starts_on = vehicle.invoice_date if command.start_rule == StartRule.INVOICE_DATE else vehicle.delivery_date
    return [
        CoverageAttached(
            coverage=Coverage(
                coverage_id=coverage_id_for(vehicle.vehicle_id, command.code),
                code=command.code,
                kind=command.kind,
                period=command.period,
                start_rule=command.start_rule,
                starts_on=starts_on,
                ends_on=last_day_of_period(starts_on, command.period.months),
                start_odometer=vehicle.odometer_at_delivery,
                component_groups=command.component_groups,
                wear_parts=command.wear_parts,
            )
        )
    ]


def _check_units_compatible(vehicle: Vehicle, command: AttachCoverage) -> None:
    measures_hours = vehicle.odometer_at_delivery.unit == DistanceUnit.HOURS
    periods = [("period", command.period)] + [
        (f"wear_parts[{i}].period", w.period) for i, w in enumerate(command.wear_parts)
    ]
    violations = [
        FieldViolation(
            f"{path}.distance_unit", f"{vehicle.identifier} measures usage in {vehicle.odometer_at_delivery.unit}"
        )
        for path, period in periods
        if period.distance_limit is not None and (period.distance_unit == DistanceUnit.HOURS) != measures_hours
    ]
    if violations:
        raise InvalidCommandError(violations)


def _record_reading(vehicle: Vehicle, command: RecordOdometerReading, ctx: DecisionContext) -> list[VehicleEvent]:
    _check_comparable(vehicle, command.reading, "reading.unit")
    if ctx.is_future(command.read_at):
        raise InvalidCommandError([FieldViolation("read_at", f"{command.read_at.isoformat()} is in the future")])
    if command.read_at.date() < vehicle.delivery_date:
        raise InvalidCommandError(
            [FieldViolation("read_at", f"{command.read_at.date()} is before delivery on {vehicle.delivery_date}")]
        )
    _check_monotonic(vehicle, command.reading, command.read_at.date())
    if any(r.read_at == command.read_at and r.reading == command.reading for r in vehicle.readings):
        return []
    return [OdometerRecorded(reading=command.reading, read_at=command.read_at)]


def _transfer(vehicle: Vehicle, command: TransferOwnership, ctx: DecisionContext) -> list[VehicleEvent]:
    violations: list[FieldViolation] = []
    if command.transferred_on > ctx.latest_local_date:
        violations.append(FieldViolation("transferred_on", f"{command.transferred_on} is in the future"))
    latest = max([vehicle.delivery_date, *(t.transferred_on for t in vehicle.transfers)])
    if command.transferred_on < latest:
        violations.append(
            FieldViolation("transferred_on", f"{command.transferred_on} is before the last change of hands on {latest}")
        )
    if command.new_owner_ref == vehicle.owner_ref:
        violations.append(FieldViolation("new_owner_ref", "the vehicle already belongs to this owner"))
    if violations:
        raise InvalidCommandError(violations)
    if command.odometer is not None:
        _check_comparable(vehicle, command.odometer, "odometer.unit")
        _check_monotonic(vehicle, command.odometer, command.transferred_on)
    return [
        OwnershipTransferred(
            previous_owner_ref=vehicle.owner_ref,
            new_owner_ref=command.new_owner_ref,
            transferred_on=command.transferred_on,
            odometer=command.odometer,
        )
    ]


def _link_contract(vehicle: Vehicle, command: LinkServiceContract) -> list[VehicleEvent]:
    if any(link.contract_id == command.contract_id for link in vehicle.contracts):
        return []
    return [ServiceContractLinked(**command.model_dump(exclude={"identifier"}))]


def _check_comparable(vehicle: Vehicle, reading: Distance, field: str) -> None:
    if (reading.unit == DistanceUnit.HOURS) != (vehicle.odometer_at_delivery.unit == DistanceUnit.HOURS):
        raise InvalidCommandError(
            [FieldViolation(field, f"{vehicle.identifier} measures usage in {vehicle.odometer_at_delivery.unit}")]
        )


def _check_monotonic(vehicle: Vehicle, reading: Distance, on: date) -> None:
    """A reading lower than an earlier one (or higher than a later one) is a rollback: refuse it."""
    unit = vehicle.odometer_at_delivery.unit
    value = reading.to(unit)
    known = [(vehicle.delivery_date, vehicle.odometer_at_delivery, "delivery")] + [
        (r.read_at.date(), r.reading, r.read_at.isoformat()) for r in vehicle.readings
    ]
    earlier = [(d, r, label) for d, r, label in known if d <= on and r.to(unit) > value]
    later = [(d, r, label) for d, r, label in known if d > on and r.to(unit) < value]
    conflict = (
        max(earlier, key=lambda k: k[1].to(unit))
        if earlier
        else (min(later, key=lambda k: k[1].to(unit)) if later else None)
    )
    if conflict is None:
        return
    _, conflicting, label = conflict
    relation = "lower than the earlier" if earlier else "higher than the later"
    raise PreconditionFailedError(
        f"odometer {reading} on {on} is {relation} reading {conflicting} ({label}): possible rollback",
        reason="ODOMETER_ROLLBACK",
        violations=[
            PreconditionViolation(
                type="ODOMETER_ROLLBACK",
                subject=f"vehicles/{vehicle.identifier}",
                description=f"{relation} reading of {conflicting} recorded at {label}",
            )
        ],
        metadata={
            "identifier": vehicle.identifier,
            "reading": str(reading),
            "conflicting_reading": str(conflicting),
            "conflicting_reading_at": label,
        },
    )
