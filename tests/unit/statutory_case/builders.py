"""Vehicles, visits and contexts for statutory-case tests; the context picks the pack as the application does.

The CN vehicle is DOMAIN.md §5's: ¥100,000, delivered on Monday 2026-01-05 at 0 km, n = 0.5%. The US-CA vehicle
is claim_builders' default: $40,000, delivered on 2025-01-12 at 12 mi.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from claims.domain.statutory.facts import RepairVisit
from claims.domain.statutory.registry import select_pack
from claims.domain.statutory_case.commands import (
    AnswerRemedy,
    DeliverRemedy,
    RecordDirectNotice,
    RecordRepairVisit,
    RequestRemedy,
    StatutoryCaseCommand,
)
from claims.domain.statutory_case.context import CaseContext
from claims.domain.statutory_case.decide import decide
from claims.domain.statutory_case.events import StatutoryCaseEvent
from claims.domain.statutory_case.state import StatutoryCase, evolve
from claims.domain.statutory_case.values import CaseRemedy
from claims.domain.values import Distance, DistanceUnit, Money
from claims.domain.vehicle.state import Vehicle
from tests.unit.domain.claim_builders import VIN, given, km, mi, vehicle_registered
from tests.unit.statutory.builders import repair

CN_DELIVERED = date(2026, 1, 5)
NOW = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
RATE = Money(amount=Decimal("300.00"), currency="CNY")


def cny(amount: str) -> Money:
    return Money(amount=Decimal(amount), currency="CNY")


def usd(amount: str) -> Money:
    return Money(amount=Decimal(amount), currency="USD")


def eur(amount: str) -> Money:
    return Money(amount=Decimal(amount), currency="EUR")


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def cn_vehicle(**overrides: Any) -> Vehicle:
    fields: dict[str, Any] = {
        "jurisdiction": "CN",
        "invoice_date": CN_DELIVERED,
        "delivery_date": CN_DELIVERED,
        "price": cny("100000.00"),
        "odometer_at_delivery": km(0),
    }
    return given(vehicle_registered(**(fields | overrides)))


def ca_vehicle(**overrides: Any) -> Vehicle:
    return given(vehicle_registered(**overrides))


def eu_vehicle(**overrides: Any) -> Vehicle:
    fields: dict[str, Any] = {
        "jurisdiction": "EU-DE",
        "invoice_date": date(2025, 3, 3),
        "delivery_date": date(2025, 3, 3),
        "price": eur("30000.00"),
        "odometer_at_delivery": km(10),
    }
    return given(vehicle_registered(**(fields | overrides)))


def context(vehicle: Vehicle | None = None, **overrides: Any) -> CaseContext:
    """The context the application builds: the pack in force at the invoice date, the latest reading."""
    car = vehicle or cn_vehicle()
    cn = car.jurisdiction == "CN"
    fields: dict[str, Any] = {
        "now": NOW,
        "vehicle": car,
        "pack": select_pack(car.jurisdiction, car.invoice_date),
        "as_of_odometer": km(1_500) if car.odometer_at_delivery.unit == DistanceUnit.KM else mi(9_000),
        "usage_coefficient": Decimal("0.005") if cn else None,
        "courtesy_car_daily_rate": RATE if cn else None,
    }
    return CaseContext.model_validate(fields | overrides)


def visit(
    n: int,
    opened_on: date,
    *,
    hours: float = 4,
    odometer: int = 1_000,
    unit: DistanceUnit = DistanceUnit.KM,
    **overrides: Any,
) -> RepairVisit:
    """Visit ``D042/RO-<n>`` of the default engine misfire, opened at 09:00 UTC and lasting ``hours``."""
    fields: dict[str, Any] = {"defect_key": "12345-ABC/P0300"} | overrides
    duration = timedelta(hours=hours)
    return repair(f"D042/RO-{n}", at(opened_on), odometer=odometer, unit=unit, duration=duration, **fields)


def record(v: RepairVisit) -> RecordRepairVisit:
    return RecordRepairVisit(vin=VIN, visit=v)


def notice(on: date) -> RecordDirectNotice:
    return RecordDirectNotice(vin=VIN, notified_on=on)


def request(remedy: CaseRemedy, requested_at: datetime) -> RequestRemedy:
    return RequestRemedy(vin=VIN, remedy=remedy, requested_at=requested_at)


def answer(answered_at: datetime, *, accepted: bool = True, reason: str = "the presumption is met") -> AnswerRemedy:
    return AnswerRemedy(vin=VIN, accepted=accepted, reason=reason, answered_at=answered_at)


def deliver(on: date, odometer: Distance, **overrides: Any) -> DeliverRemedy:
    return DeliverRemedy.model_validate({"vin": VIN, "delivered_on": on, "odometer": odometer} | overrides)


def when(case: StatutoryCase | None, command: StatutoryCaseCommand, ctx: CaseContext) -> list[StatutoryCaseEvent]:
    return decide(case, command, ctx)


def run(
    commands: Sequence[StatutoryCaseCommand], ctx: CaseContext, case: StatutoryCase | None = None
) -> tuple[StatutoryCase | None, list[list[StatutoryCaseEvent]]]:
    """Decide and apply each command in turn: the final state and the events each command produced."""
    produced = []
    for command in commands:
        events = decide(case, command, ctx)
        for event in events:
            case = evolve(case, event)
        produced.append(events)
    return case, produced


def evolve_all(events: Sequence[StatutoryCaseEvent], case: StatutoryCase | None = None) -> StatutoryCase:
    """The state after applying ``events``."""
    for event in events:
        case = evolve(case, event)
    assert case is not None
    return case


def state(commands: Sequence[StatutoryCaseCommand], ctx: CaseContext) -> StatutoryCase:
    case, _ = run(commands, ctx)
    assert case is not None
    return case


def of_type(events: Sequence[StatutoryCaseEvent], kind: type[Any]) -> list[Any]:
    return [e for e in events if isinstance(e, kind)]


# DOMAIN.md §5: five repairs of one defect, 7 + 6 + 6 + 6 + 6 = 31 repair days, at 300 to 1,500 km.
FIVE_REPAIRS = tuple(
    visit(i, opened, hours=24 * days, odometer=300 * i)
    for i, (opened, days) in enumerate(
        [
            (date(2026, 2, 2), 7),
            (date(2026, 2, 23), 6),
            (date(2026, 3, 16), 6),
            (date(2026, 4, 6), 6),
            (date(2026, 4, 27), 6),
        ],
        start=1,
    )
)
