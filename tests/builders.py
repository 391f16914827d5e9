"""Commands and events with sensible defaults; each test overrides only what it is about."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from claims.application.messages import CallContext
from claims.domain.values import Distance, DistanceUnit, Money
from claims.domain.vehicle.commands import AttachCoverage, RecordOdometerReading, RegisterVehicle, TransferOwnership

VIN = "1M8GDM9AXKP042788"  # ISO 3779 worked example; its check digit X is valid
CN_VIN = "LSVNV2187E2100001"  # check digit 7
EU_VIN = "WVWZZZ1JZXW000001"


def km(value: int | str) -> Distance:
    return Distance(value=Decimal(value), unit=DistanceUnit.KM)


def mi(value: int | str) -> Distance:
    return Distance(value=Decimal(value), unit=DistanceUnit.MI)


def register_vehicle(**overrides: Any) -> RegisterVehicle:
    fields: dict[str, Any] = {
        "identifier": VIN,
        "model": "Tahoe LT",
        "model_year": 2025,
        "jurisdiction": "US-CA",
        "dealer_id": "D042",
        "owner_ref": "CUST-1",
        "invoice_date": date(2025, 1, 10),
        "delivery_date": date(2025, 1, 12),
        "price": Money(amount=Decimal("40000.00"), currency="USD"),
        "odometer_at_delivery": mi(12),
    }
    return RegisterVehicle.model_validate(fields | overrides)


def cn_vehicle(**overrides: Any) -> RegisterVehicle:
    return register_vehicle(
        **{
            "identifier": CN_VIN,
            "jurisdiction": "CN",
            "invoice_date": date(2025, 3, 1),
            "delivery_date": date(2025, 3, 1),
            "price": Money(amount=Decimal("100000.00"), currency="CNY"),
            "odometer_at_delivery": km(8),
        }
        | overrides
    )


def attach_coverage(**overrides: Any) -> AttachCoverage:
    fields: dict[str, Any] = {
        "identifier": VIN,
        "code": "BASIC",
        "kind": "MANUFACTURER_WARRANTY",
        "period": {"months": 36, "distance_limit": Decimal(36000), "distance_unit": "MI"},
        "start_rule": "DELIVERY_DATE",
        "component_groups": ["ENGINE", "BRAKES", "ELECTRICAL"],
    }
    return AttachCoverage.model_validate(fields | overrides)


def record_reading(value: Distance, at: datetime, identifier: str = VIN) -> RecordOdometerReading:
    return RecordOdometerReading(identifier=identifier, reading=value, read_at=at)


def transfer(**overrides: Any) -> TransferOwnership:
    fields: dict[str, Any] = {"identifier": VIN, "new_owner_ref": "CUST-2", "transferred_on": date(2026, 6, 1)}
    return TransferOwnership.model_validate(fields | overrides)


def call(
    request_id: str | None = None, *, actor: str = "dealer:D042", expected_version: int | None = None
) -> CallContext:
    return CallContext(
        actor=actor,
        request_id=request_id or str(uuid.uuid4()),
        correlation_id="corr-1",
        expected_version=expected_version,
    )


def at(year: int, month: int, day: int, hour: int = 12) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)
