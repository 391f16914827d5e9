"""Odometer readings: a rollback is refused as a fraud signal, never silently stored."""

from __future__ import annotations

import pytest

from claims.domain.errors import InvalidCommandError, NotFoundError, PreconditionFailedError
from claims.domain.vehicle.events import OdometerRecorded
from tests.builders import at, km, mi, record_reading, register_vehicle
from tests.scenario import given, when


def test_a_reading_is_recorded() -> None:
    vehicle = given(register_vehicle())
    assert when(vehicle, record_reading(mi(1200), at(2025, 6, 1))) == [
        OdometerRecorded(reading=mi(1200), read_at=at(2025, 6, 1))
    ]


def test_a_reading_lower_than_an_earlier_one_is_refused_with_the_earlier_reading() -> None:
    vehicle = given(register_vehicle(), record_reading(mi(5000), at(2025, 6, 1)))
    with pytest.raises(PreconditionFailedError) as caught:
        when(vehicle, record_reading(mi(4999), at(2025, 7, 1)))
    error = caught.value
    assert error.reason == "ODOMETER_ROLLBACK"
    assert error.metadata["conflicting_reading"] == "5000 MI"
    assert error.metadata["conflicting_reading_at"] == "2025-06-01T12:00:00+00:00"
    assert error.violations[0].subject == "vehicles/1M8GDM9AXKP042788"


def test_the_same_value_as_the_earlier_reading_is_no_rollback() -> None:
    vehicle = given(register_vehicle(), record_reading(mi(5000), at(2025, 6, 1)))
    assert when(vehicle, record_reading(mi(5000), at(2025, 7, 1)))


def test_a_reading_below_the_delivery_odometer_is_a_rollback() -> None:
    vehicle = given(register_vehicle())
    with pytest.raises(PreconditionFailedError, match="delivery"):
        when(vehicle, record_reading(mi(11), at(2025, 2, 1)))


def test_a_late_reading_between_two_earlier_ones_fits_in() -> None:
    vehicle = given(
        register_vehicle(), record_reading(mi(1000), at(2025, 3, 1)), record_reading(mi(3000), at(2025, 9, 1))
    )
    assert when(vehicle, record_reading(mi(2000), at(2025, 6, 1)))


def test_a_late_reading_above_a_later_one_is_refused() -> None:
    vehicle = given(register_vehicle(), record_reading(mi(3000), at(2025, 9, 1)))
    with pytest.raises(PreconditionFailedError, match="higher than the later"):
        when(vehicle, record_reading(mi(3001), at(2025, 6, 1)))


def test_readings_in_another_unit_are_compared_after_conversion() -> None:
    vehicle = given(register_vehicle(), record_reading(mi(1000), at(2025, 6, 1)))
    with pytest.raises(PreconditionFailedError):
        when(vehicle, record_reading(km(1609), at(2025, 7, 1)))  # 999.8 miles
    assert when(vehicle, record_reading(km(1610), at(2025, 7, 1)))


def test_a_reading_in_the_future_or_before_delivery_is_invalid() -> None:
    vehicle = given(register_vehicle())
    with pytest.raises(InvalidCommandError) as future:
        when(vehicle, record_reading(mi(100), at(2027, 1, 1)))
    with pytest.raises(InvalidCommandError) as early:
        when(vehicle, record_reading(mi(100), at(2025, 1, 11)))
    assert future.value.violations[0].field == early.value.violations[0].field == "read_at"


def test_an_hour_meter_reading_for_a_car_is_invalid() -> None:
    vehicle = given(register_vehicle())
    with pytest.raises(InvalidCommandError) as caught:
        when(vehicle, record_reading({"value": 10, "unit": "HOURS"}, at(2025, 6, 1)))  # type: ignore[arg-type]
    assert caught.value.violations[0].field == "reading.unit"


def test_recording_the_same_reading_again_changes_nothing() -> None:
    vehicle = given(register_vehicle(), record_reading(mi(1200), at(2025, 6, 1)))
    assert when(vehicle, record_reading(mi(1200), at(2025, 6, 1))) == []


def test_an_unknown_vehicle_is_not_found() -> None:
    with pytest.raises(NotFoundError):
        when(None, record_reading(mi(1), at(2025, 6, 1)))
