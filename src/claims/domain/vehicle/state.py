"""A vehicle as its history says it is, and ``evolve``, which only copies facts from events."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from claims.domain.base import Frozen
from claims.domain.values import Distance, Money
from claims.domain.vehicle.commands import IdentifierKind
from claims.domain.vehicle.coverage_terms import Coverage
from claims.domain.vehicle.events import (
    CoverageAttached,
    OdometerRecorded,
    OwnershipTransferred,
    ServiceContractLinked,
    VehicleEvent,
    VehicleRegistered,
)


class Reading(Frozen):
    """One odometer reading."""

    reading: Distance
    read_at: datetime


class Transfer(Frozen):
    """One change of owner."""

    previous_owner_ref: str
    new_owner_ref: str
    transferred_on: date


class ContractLink(Frozen):
    """A service contract sold on the vehicle, by its stream id and its insurer's natural key."""

    contract_id: UUID
    insurer_id: str
    contract_number: str


class Vehicle(Frozen):
    """The current state of one vehicle or product."""

    vehicle_id: UUID
    identifier: str
    identifier_kind: IdentifierKind
    model: str
    model_year: int | None
    jurisdiction: str
    dealer_id: str
    owner_ref: str
    invoice_date: date
    delivery_date: date
    price: Money
    odometer_at_delivery: Distance
    manufacturer: str = ""
    coverages: tuple[Coverage, ...] = ()
    readings: tuple[Reading, ...] = ()
    transfers: tuple[Transfer, ...] = ()
    contracts: tuple[ContractLink, ...] = ()

    def coverage(self, code: str) -> Coverage | None:
        """The coverage with ``code``, if attached."""
        return next((c for c in self.coverages if c.code == code), None)

    def odometer_on(self, on: date) -> Distance:
        """The highest reading recorded on or before ``on`` (the delivery reading at least)."""
        known = [r.reading for r in self.readings if r.read_at.date() <= on]
        return known[-1] if known else self.odometer_at_delivery


def evolve(vehicle: Vehicle | None, event: VehicleEvent) -> Vehicle:
    """Apply one event. Never raises for business reasons, never reads a clock."""
    match event:
        case VehicleRegistered():
            return Vehicle(**event.model_dump(exclude=set()))
        case CoverageAttached():
            return _existing(vehicle).model_copy(update={"coverages": (*_existing(vehicle).coverages, event.coverage)})
        case OdometerRecorded(reading=reading, read_at=read_at):
            current = _existing(vehicle)
            readings = sorted((*current.readings, Reading(reading=reading, read_at=read_at)), key=lambda r: r.read_at)
            return current.model_copy(update={"readings": tuple(readings)})
        case OwnershipTransferred():
            current = _existing(vehicle)
            transfer = Transfer(
                previous_owner_ref=event.previous_owner_ref,
                new_owner_ref=event.new_owner_ref,
                transferred_on=event.transferred_on,
            )
            return current.model_copy(
                update={"owner_ref": event.new_owner_ref, "transfers": (*current.transfers, transfer)}
            )
        case ServiceContractLinked():
            current = _existing(vehicle)
            return current.model_copy(update={"contracts": (*current.contracts, ContractLink(**dict(event)))})


def _existing(vehicle: Vehicle | None) -> Vehicle:
    if vehicle is None:
        raise ValueError("history starts with an event other than VehicleRegistered")
    return vehicle
