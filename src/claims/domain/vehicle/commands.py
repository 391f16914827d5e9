"""What a dealer system asks of a vehicle: register it, attach coverages, record usage, transfer it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Self
from uuid import UUID

from pydantic import AwareDatetime, Field, field_validator, model_validator

from claims.domain.base import Frozen
from claims.domain.errors import FieldValueError
from claims.domain.jurisdictions import JURISDICTIONS, JurisdictionCode
from claims.domain.values import MAX_PRICE, Distance, Money, Reference, Text
from claims.domain.vehicle.coverage_terms import ComponentGroup, CoverageKind, Period, StartRule, WearPartPeriod
from claims.domain.vin import serial_format_problem, vin_check_digit, vin_format_problem


class IdentifierKind(StrEnum):
    """A road vehicle has a VIN; other goods a manufacturer's serial number."""

    VIN = "VIN"
    SERIAL = "SERIAL"


Identifier = Annotated[str, Field(min_length=1, max_length=64)]


class RegisterVehicle(Frozen):
    """Register a sold vehicle or product with its sale."""

    identifier: Identifier
    identifier_kind: IdentifierKind = IdentifierKind.VIN
    model: Text
    model_year: int | None = Field(default=None, ge=1981, le=2100)
    jurisdiction: JurisdictionCode
    dealer_id: Reference
    owner_ref: Reference
    invoice_date: date
    delivery_date: date
    price: Money
    odometer_at_delivery: Distance
    # Whose vehicle it is: its manufacturer's desk decides claims on it. Defaults to the VIN's WMI.
    manufacturer: str = Field(default="", max_length=64)

    @field_validator("price")
    @classmethod
    def _plausible_price(cls, price: Money) -> Money:
        if not Decimal(0) < price.amount <= MAX_PRICE:
            raise ValueError(f"a sale price is positive and at most {MAX_PRICE}")
        return price

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        jurisdiction = JURISDICTIONS[self.jurisdiction]
        if self.identifier_kind == IdentifierKind.VIN:
            problem = vin_format_problem(self.identifier)
            if problem is None and jurisdiction.vin_check_digit:
                expected = vin_check_digit(self.identifier)
                if self.identifier[8] != expected:
                    problem = f"check digit (9th character) should be {expected} for a VIN used in {jurisdiction.code}"
        else:
            problem = serial_format_problem(self.identifier)
        if problem:
            raise FieldValueError("identifier", problem)
        return self

    @model_validator(mode="before")
    @classmethod
    def _default_manufacturer(cls, data: Any) -> Any:
        if isinstance(data, dict) and not str(data.get("manufacturer") or "").strip():
            kind = data.get("identifier_kind", IdentifierKind.VIN)
            return {**data, "manufacturer": default_manufacturer(str(data.get("identifier", "")).strip(), kind)}
        return data


def default_manufacturer(identifier: str, kind: IdentifierKind | str) -> str:
    """The manufacturer a registration names when it names none: the VIN's World Manufacturer Identifier
    (ISO 3780, its first three characters), the only maker identity a VIN carries; none for a serial."""
    return identifier[:3].upper() if kind == IdentifierKind.VIN else ""


class AttachCoverage(Frozen):
    """Attach a warranty, statutory or extended coverage to a registered vehicle."""

    identifier: Identifier
    code: Reference
    kind: CoverageKind
    period: Period
    start_rule: StartRule
    component_groups: tuple[ComponentGroup, ...] = Field(min_length=1, max_length=len(ComponentGroup))
    wear_parts: tuple[WearPartPeriod, ...] = Field(default=(), max_length=32)

    @model_validator(mode="after")
    def _distinct(self) -> Self:
        if len(set(self.component_groups)) != len(self.component_groups):
            raise FieldValueError("component_groups", "a component group is listed twice")
        if len({w.part for w in self.wear_parts}) != len(self.wear_parts):
            raise FieldValueError("wear_parts", "a wear part is listed twice")
        return self


class RecordOdometerReading(Frozen):
    """Record what the odometer (or hour meter) showed at a moment."""

    identifier: Identifier
    reading: Distance
    read_at: AwareDatetime


class TransferOwnership(Frozen):
    """Record that the vehicle changed hands."""

    identifier: Identifier
    new_owner_ref: Reference
    transferred_on: date
    odometer: Distance | None = None


class LinkServiceContract(Frozen):
    """Note on the vehicle that an insurer sold a service contract on it (recorded with the sale, never by callers)."""

    identifier: Identifier
    contract_id: UUID
    insurer_id: Reference
    contract_number: Reference


VehicleCommand = RegisterVehicle | AttachCoverage | RecordOdometerReading | TransferOwnership | LinkServiceContract

__all__ = [
    "AttachCoverage",
    "IdentifierKind",
    "LinkServiceContract",
    "RecordOdometerReading",
    "RegisterVehicle",
    "TransferOwnership",
    "VehicleCommand",
]
