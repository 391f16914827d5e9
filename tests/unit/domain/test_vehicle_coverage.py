"""Coverages: attached with a fixed start and end; in force by time and distance, whichever first."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from claims.domain.errors import AlreadyExistsError, InvalidCommandError
from claims.domain.values import Distance
from claims.domain.vehicle.events import CoverageAttached
from claims.domain.vehicle.state import Vehicle
from claims.domain.vehicle.status import InForce, vehicle_status
from tests.builders import CN_VIN, attach_coverage, cn_vehicle, km, register_vehicle
from tests.scenario import given, when

# CN Order 43 Art. 18: 三包有效期 at least 2 years or 50,000 km, from the invoice (or delivery) date.
SANBAO = {"months": 24, "distance_limit": Decimal(50000), "distance_unit": "KM"}


def cn_with_sanbao() -> Vehicle:
    vehicle = given(
        cn_vehicle(odometer_at_delivery=km(0)),
        attach_coverage(identifier=CN_VIN, code="CN-SANBAO", kind="STATUTORY", period=SANBAO,
                        start_rule="DELIVERY_DATE", component_groups=["ENGINE", "TRANSMISSION"]),
    )  # fmt: skip
    assert vehicle is not None
    return vehicle


def test_attaching_fixes_start_end_and_starting_odometer() -> None:
    vehicle = given(register_vehicle())
    (event,) = when(vehicle, attach_coverage())
    assert isinstance(event, CoverageAttached)
    assert (event.coverage.starts_on, event.coverage.ends_on, str(event.coverage.start_odometer)) == (
        date(2025, 1, 12),
        date(2028, 1, 11),
        "12 MI",
    )


def test_the_invoice_date_rule_starts_on_the_invoice() -> None:
    (event,) = when(given(register_vehicle()), attach_coverage(start_rule="INVOICE_DATE"))
    assert isinstance(event, CoverageAttached)
    assert event.coverage.starts_on == date(2025, 1, 10)


def test_the_same_coverage_code_twice_is_refused() -> None:
    vehicle = given(register_vehicle(), attach_coverage())
    with pytest.raises(AlreadyExistsError):
        when(vehicle, attach_coverage())


def test_an_hours_limit_on_a_car_is_invalid() -> None:
    with pytest.raises(InvalidCommandError) as caught:
        when(
            given(register_vehicle()),
            attach_coverage(period={"months": 12, "distance_limit": 500, "distance_unit": "HOURS"}),
        )
    assert caught.value.violations[0].field == "period.distance_unit"


@pytest.mark.parametrize(
    ("on", "odometer", "state"),
    [
        (date(2025, 2, 28), 0, InForce.NOT_STARTED),
        (date(2025, 3, 1), 0, InForce.IN_FORCE),
        (date(2027, 2, 28), 10_000, InForce.IN_FORCE),  # last day of the 2 years
        (date(2027, 3, 1), 10_000, InForce.EXPIRED_BY_TIME),  # the anniversary
        (date(2026, 1, 1), 50_000, InForce.IN_FORCE),  # exactly 50,000 km
        (date(2026, 1, 1), 50_001, InForce.EXPIRED_BY_DISTANCE),
    ],
)
def test_sanbao_is_in_force_for_2_years_or_50000_km_whichever_first(on: date, odometer: int, state: InForce) -> None:
    status = vehicle_status(cn_with_sanbao(), on, km(odometer))
    assert status.coverages[0].status.state == state


def test_remaining_distance_is_reported_and_a_limit_in_miles_is_converted() -> None:
    vehicle = given(register_vehicle(), attach_coverage())
    assert vehicle is not None
    status = vehicle_status(vehicle, date(2026, 1, 1), km("16112.752128"))  # exactly 10,012 miles
    assert status.coverages[0].status.distance_used == Decimal(10000)
    assert status.coverages[0].status.distance_remaining == Decimal(26000)


def test_wear_parts_expire_on_their_own_shorter_period() -> None:
    wear = [{"part": "BRAKE_LININGS", "period": {"months": 3, "distance_limit": 5000, "distance_unit": "KM"}}]
    vehicle = given(
        cn_vehicle(odometer_at_delivery=km(0)),
        attach_coverage(identifier=CN_VIN, code="CN-SANBAO", period=SANBAO, wear_parts=wear),
    )
    assert vehicle is not None
    status = vehicle_status(vehicle, date(2025, 7, 1), km(4000)).coverages[0]
    assert status.status.state == InForce.IN_FORCE
    assert status.wear_parts[0].status.state == InForce.EXPIRED_BY_TIME


def test_without_a_reading_the_latest_one_recorded_by_that_date_is_used() -> None:
    vehicle = given(cn_vehicle(odometer_at_delivery=km(0)))
    assert vehicle is not None
    assert str(vehicle_status(vehicle, date(2025, 5, 1), None).odometer) == "0 KM"


def test_a_time_only_coverage_on_an_hour_meter_product_is_evaluated_in_hours() -> None:
    product = register_vehicle(
        identifier="PUMP-0001", identifier_kind="SERIAL", odometer_at_delivery={"value": 0, "unit": "HOURS"}
    )
    vehicle = given(
        product, attach_coverage(identifier="PUMP-0001", period={"months": 24}, component_groups=["WHOLE_PRODUCT"])
    )
    assert vehicle is not None
    status = vehicle_status(vehicle, date(2026, 1, 1), Distance(value=Decimal(300), unit="HOURS")).coverages[0].status
    assert (status.state, status.distance_used, status.distance_remaining) == (InForce.IN_FORCE, Decimal(300), None)
