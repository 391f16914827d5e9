"""Registering a vehicle: identity, sale dates, jurisdiction rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError

from claims.domain.errors import AlreadyExistsError, FieldValueError, InvalidCommandError
from claims.domain.ids import vehicle_id_for
from claims.domain.vehicle.events import VehicleRegistered
from tests.builders import CN_VIN, EU_VIN, VIN, cn_vehicle, register_vehicle
from tests.scenario import given, when


def field_errors(error: ValidationError) -> dict[str, str]:
    """Field → message, with model-level checks attributed to the field they name."""
    found = {}
    for e in error.errors():
        cause = (e.get("ctx") or {}).get("error")
        field = cause.field if isinstance(cause, FieldValueError) else ".".join(str(p) for p in e["loc"])
        found[field] = str(cause) if isinstance(cause, FieldValueError) else e["msg"]
    return found


def test_a_sale_registers_the_vehicle_under_an_id_derived_from_its_vin() -> None:
    events = when(None, register_vehicle())
    assert len(events) == 1
    registered = events[0]
    assert isinstance(registered, VehicleRegistered)
    assert registered.vehicle_id == vehicle_id_for(VIN)
    assert registered.jurisdiction == "US-CA"
    assert str(registered.price) == "40000.00 USD"


def test_registering_the_same_vin_twice_is_refused() -> None:
    vehicle = given(register_vehicle())
    with pytest.raises(AlreadyExistsError, match="already registered"):
        when(vehicle, register_vehicle(owner_ref="SOMEONE-ELSE"))


def test_a_us_vin_with_a_wrong_check_digit_is_invalid() -> None:
    with pytest.raises(ValidationError) as caught:
        register_vehicle(identifier="1M8GDM9A1KP042788")
    assert field_errors(caught.value) == {
        "identifier": "check digit (9th character) should be X for a VIN used in US-CA"
    }


def test_a_chinese_vin_must_carry_a_check_digit_too() -> None:
    with pytest.raises(ValidationError):
        cn_vehicle(identifier=CN_VIN[:8] + "5" + CN_VIN[9:])
    assert when(None, cn_vehicle())  # the valid one registers


def test_a_european_vin_needs_no_check_digit() -> None:
    assert when(
        None, register_vehicle(identifier=EU_VIN, jurisdiction="EU-DE", price={"amount": "30000", "currency": "EUR"})
    )


def test_a_product_is_registered_by_serial_number() -> None:
    command = register_vehicle(
        identifier="WM-2025-000123", identifier_kind="SERIAL", odometer_at_delivery={"value": 0, "unit": "HOURS"}
    )
    (event,) = when(None, command)
    assert isinstance(event, VehicleRegistered)
    assert event.identifier_kind == "SERIAL"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"jurisdiction": "US-ZZ"}, "jurisdiction"),
        ({"identifier": "1M8GDM9AXKP04278"}, "identifier"),
        ({"identifier": "1M8GDM9AXKP04278O"}, "identifier"),
        ({"model": ""}, "model"),
        ({"model": "x" * 201}, "model"),
        ({"dealer_id": "has space"}, "dealer_id"),
        ({"price": {"amount": "-1", "currency": "USD"}}, "price"),
        ({"price": {"amount": "1.001", "currency": "USD"}}, "price"),
        ({"price": {"amount": "100", "currency": "XYZ"}}, "price.currency"),
        ({"odometer_at_delivery": {"value": "-5", "unit": "MI"}}, "odometer_at_delivery.value"),
        ({"odometer_at_delivery": {"value": "9999999", "unit": "MI"}}, "odometer_at_delivery"),
    ],
)
def test_bad_fields_are_named(overrides: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        register_vehicle(**overrides)
    assert field in field_errors(caught.value)


def test_sale_dates_in_the_future_are_invalid_and_both_are_named() -> None:
    command = register_vehicle(invoice_date=date(2026, 11, 24), delivery_date=date(2026, 11, 25))
    with pytest.raises(InvalidCommandError) as caught:
        when(None, command, now=datetime(2026, 11, 23, 9, 30, tzinfo=UTC))
    assert [v.field for v in caught.value.violations] == ["invoice_date", "delivery_date"]


def test_tomorrows_date_is_accepted_once_it_is_tomorrow_somewhere_on_earth() -> None:
    command = register_vehicle(invoice_date=date(2026, 11, 24), delivery_date=date(2026, 11, 24))
    assert when(None, command, now=datetime(2026, 11, 23, 12, 0, tzinfo=UTC))


@pytest.mark.parametrize(("days_before", "allowed"), [(30, True), (31, False)])
def test_in_california_delivery_may_precede_the_invoice_by_up_to_30_days(days_before: int, allowed: bool) -> None:
    invoice = date(2025, 3, 31)
    command = register_vehicle(invoice_date=invoice, delivery_date=invoice - timedelta(days=days_before))
    if allowed:
        assert when(None, command)
    else:
        with pytest.raises(InvalidCommandError) as caught:
            when(None, command)
        assert "more than 30 days before the invoice" in caught.value.violations[0].description


@pytest.mark.parametrize(("delivery", "allowed"), [(date(2025, 3, 1), True), (date(2025, 2, 28), False)])
def test_in_china_delivery_may_not_precede_the_invoice(delivery: date, allowed: bool) -> None:
    command = cn_vehicle(delivery_date=delivery)
    if allowed:
        assert when(None, command)
    else:
        with pytest.raises(InvalidCommandError) as caught:
            when(None, command)
        assert caught.value.violations[0].field == "delivery_date"
