"""What happened to a vehicle. Events carry results (dates computed, readings converted)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar
from uuid import UUID

from pydantic import model_validator

from claims.domain.base import DomainEvent, register_events
from claims.domain.values import Distance, Money
from claims.domain.vehicle.commands import IdentifierKind, default_manufacturer
from claims.domain.vehicle.coverage_terms import Coverage


class VehicleRegistered(DomainEvent):
    """A vehicle or product was sold and registered."""

    TOPIC = "claims.vehicle.VehicleRegistered"
    class_version: ClassVar[int] = 2

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
    manufacturer: str

    @model_validator(mode="before")
    @classmethod
    def _default_manufacturer(cls, data: Any) -> Any:
        if isinstance(data, dict) and "manufacturer" not in data:
            kind = data.get("identifier_kind", IdentifierKind.VIN)
            return {**data, "manufacturer": default_manufacturer(str(data.get("identifier", "")), kind)}
        return data

    @staticmethod
    def upcast_v1_v2(payload: dict[str, Any]) -> dict[str, Any]:
        """Version 1 named no manufacturer: a VIN's WMI stands for it, a serial's is unknown ("")."""
        kind = payload.get("identifier_kind", IdentifierKind.VIN.value)
        return {**payload, "manufacturer": default_manufacturer(str(payload.get("identifier", "")), kind)}


class CoverageAttached(DomainEvent):
    """A coverage was attached; its start, end and starting odometer are fixed here."""

    TOPIC = "claims.vehicle.CoverageAttached"

    coverage: Coverage


class OdometerRecorded(DomainEvent):
    """The odometer showed ``reading`` at ``read_at``."""

    TOPIC = "claims.vehicle.OdometerRecorded"

    reading: Distance
    read_at: datetime


class OwnershipTransferred(DomainEvent):
    """The vehicle passed to a new owner; coverages follow the vehicle."""

    TOPIC = "claims.vehicle.OwnershipTransferred"

    previous_owner_ref: str
    new_owner_ref: str
    transferred_on: date
    odometer: Distance | None


class ServiceContractLinked(DomainEvent):
    """An insurer sold a service contract on the vehicle: claims on it may be paid under that contract."""

    TOPIC = "claims.vehicle.ServiceContractLinked"

    contract_id: UUID
    insurer_id: str
    contract_number: str


VehicleEvent = VehicleRegistered | CoverageAttached | OdometerRecorded | OwnershipTransferred | ServiceContractLinked

register_events(VehicleRegistered, CoverageAttached, OdometerRecorded, OwnershipTransferred, ServiceContractLinked)
