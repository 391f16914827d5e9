"""Facts with sensible defaults for rule-pack tests; each test overrides only what it is about."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from claims.domain.statutory.facts import RepairVisit, VehicleFacts, statutory_days
from claims.domain.values import Distance, DistanceUnit, Money
from claims.domain.vehicle.coverage_terms import ComponentGroup

DELIVERED = date(2022, 3, 1)


def on_day(n: int, start: date = DELIVERED, hour: int = 9) -> datetime:
    """09:00 UTC on day ``n`` of a period starting on ``start`` (the start date is day 1)."""
    return datetime.combine(start + timedelta(days=n - 1), time(hour), tzinfo=UTC)


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def days(n: int) -> timedelta:
    """A repair of exactly ``n`` statutory days (n × 24 h)."""
    return timedelta(hours=24 * n)


def repair(
    visit_id: str,
    opened_at: datetime,
    *,
    odometer: int = 1_000,
    unit: DistanceUnit = DistanceUnit.KM,
    duration: timedelta = timedelta(hours=4),
    pauses: tuple[tuple[datetime, datetime], ...] = (),
    **overrides: Any,
) -> RepairVisit:
    closed_at = opened_at + duration
    fields: dict[str, Any] = {
        "visit_id": visit_id,
        "defect_key": "ENG-001/P0300",
        "component_group": ComponentGroup.ENGINE,
        "opened_at": opened_at,
        "closed_at": closed_at,
        "odometer": Distance(value=Decimal(odometer), unit=unit),
        "pauses": pauses,
        "days_out_of_service": statutory_days(opened_at, closed_at, pauses),
    }
    return RepairVisit.model_validate(fields | overrides)


def vehicle(
    *visits: RepairVisit,
    jurisdiction: str = "CN",
    delivered: date = DELIVERED,
    sold: date | None = None,
    price: str = "100000.00",
    currency: str = "CNY",
    unit: DistanceUnit = DistanceUnit.KM,
    n: str | None = "0.005",
    as_of: date | None = None,
    as_of_odometer: int | None = None,
) -> VehicleFacts:
    latest = max((v.opened_at.date() for v in visits), default=delivered)
    reading = max((int(v.odometer.value) for v in visits), default=0)
    return VehicleFacts(
        jurisdiction=jurisdiction,
        sale_date=sold or delivered,
        delivery_date=delivered,
        price=Money(amount=Decimal(price), currency=currency),
        odometer_unit=unit,
        odometer_at_delivery=Distance(value=Decimal(0), unit=unit),
        usage_coefficient=None if n is None else Decimal(n),
        visits=visits,
        as_of=as_of or latest,
        as_of_odometer=Distance(value=Decimal(reading if as_of_odometer is None else as_of_odometer), unit=unit),
    )


def us_vehicle(*visits: RepairVisit, jurisdiction: str = "US-CA", **overrides: Any) -> VehicleFacts:
    fields: dict[str, Any] = {"price": "40000.00", "currency": "USD", "unit": DistanceUnit.MI, "n": None}
    return vehicle(*visits, jurisdiction=jurisdiction, **(fields | overrides))


def us_repair(visit_id: str, opened_at: datetime, **overrides: Any) -> RepairVisit:
    return repair(visit_id, opened_at, **({"unit": DistanceUnit.MI} | overrides))


def eu_vehicle(*visits: RepairVisit, **overrides: Any) -> VehicleFacts:
    fields: dict[str, Any] = {"jurisdiction": "EU-DE", "price": "30000.00", "currency": "EUR", "n": None}
    return vehicle(*visits, **(fields | overrides))
